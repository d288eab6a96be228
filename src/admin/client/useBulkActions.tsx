'use client'
/**
 * The drift lists' bulk actions: **Push all** (the missing and changed rows) and **Delete all extra**
 * (behind the mass-delete guard, which the modal explains). Each is confirmed, runs as a background
 * sync of the ids (`POST …/runs {op: 'sync', ids}`, recorded in the Sync events with the user) with
 * progress, and a check runs again when it ends. A list longer than one request takes goes as
 * consecutive runs of `idsPerRun` ids for Push all; Delete all extra does not (the mass-delete guard
 * judges one run's deletions against the table: in parts, a deletion it refuses whole would pass
 * part by part), and says to run the command, which judges them all at once.
 */
import { toast } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useState } from 'react'
import { idsPerRun, maxIdsPerRequest } from '../../ops/id-limits.js'
import type { SyncResult } from '../../ops/options.js'
import { describeSyncResult } from '../present/describeRun.js'
import type { DriftLists } from '../present/driftLists.js'
import { partLabel, runParts, sumResults, type PartResult } from '../present/runParts.js'
import { startRun, type ApiBase } from './api.js'
import type { ConfirmRequest } from './useConfirm.js'
import { usePolledRun } from './usePolledRun.js'

export interface BulkContext {
  base: ApiBase
  collection: string
  table: string
  guard: { maxDeleteFraction: number; deleteOrphans: boolean }
  lists: DriftLists
  confirm: (request: ConfirmRequest) => void
  /** Runs the check again (the lists as they are after the run). */
  checkNow: () => Promise<void>
}

const count = (n: number) => n.toLocaleString('en-US')

export function useBulkActions(ctx: BulkContext) {
  const router = useRouter()
  const bulk = usePolledRun(ctx.base)

  /** What the progress line calls the run under way ("Push all, part 2 of 3"). */
  const [label, setLabel] = useState('Writing')

  const start = (ids: string[], what: string, size: number) => async () => {
    const parts = runParts(ids, size)
    const results: PartResult[] = []
    const ended = () => {
      router.refresh()
      void ctx.checkNow()
    }
    const runPart = async (index: number): Promise<void> => {
      const name = partLabel(what, index, parts.length)
      const left = parts.length - index - 1
      const notRun = left ? ` (${left} of ${parts.length} parts not run)` : ''
      const state = await startRun(ctx.base, {
        op: 'sync',
        collection: ctx.collection,
        ids: parts[index],
      })
      setLabel(name)
      bulk.follow(state, (end) => {
        if (end.status === 'done' && end.result) {
          results.push(end.result as SyncResult)
          if (left) {
            runPart(index + 1).catch((error: unknown) => {
              toast.error(
                `${partLabel(what, index + 1, parts.length)} did not start: ${error instanceof Error ? error.message : String(error)}${notRun}`,
              )
              ended()
            })
            return
          }
          const said = describeSyncResult(sumResults(results))
          if (said.ok) toast.success(`${what}: ${said.text}`)
          else toast.error(`${what}: ${said.text}`)
        } else if (end.status === 'failed') toast.error(`${name} failed: ${end.error}${notRun}`)
        else if (end.status === 'cancelled') toast.info(`${name} cancelled${notRun}`)
        ended()
      })
    }
    try {
      await runPart(0)
    } catch (error) {
      toast.error(error instanceof Error ? error.message : String(error))
    }
  }

  const pushAll = () => {
    const { missing, changed } = ctx.lists
    const ids = [...missing, ...changed]
    ctx.confirm({
      heading: 'Push all',
      confirmLabel: 'Push all',
      body: (
        <p>
          Writes {count(ids.length)} rows ({count(missing.length)} missing, {count(changed.length)}{' '}
          changed) into Supabase&apos;s {ctx.table} table from the documents in Payload, overwriting
          Supabase&apos;s differing values. It runs in the background with progress; a check runs
          again when it ends. Recorded in the Sync events.
        </p>
      ),
      run: start(ids, 'Push all', idsPerRun),
    })
  }

  const deleteAllExtra = () => {
    if (ctx.lists.extra.length > maxIdsPerRequest) {
      toast.error(
        `Delete all extra: ${count(ctx.lists.extra.length)} rows are more than the console deletes in one run (${count(maxIdsPerRequest)}). Run \`npx payload supabase-sync sync\`: it deletes every row without a document, the mass-delete guard judging them all at once.`,
      )
      return
    }
    const percent = Math.round(ctx.guard.maxDeleteFraction * 100)
    ctx.confirm({
      heading: 'Delete all extra',
      confirmLabel: 'Delete all extra',
      body: (
        <>
          <p>
            Deletes the {count(ctx.lists.extra.length)} rows in Supabase&apos;s {ctx.table} table
            that have no document in Payload. This cannot be undone here. Recorded in the Sync
            events with your name.
          </p>
          <p>
            <strong>The mass-delete guard</strong>: a deletion of more than {percent}% of the
            table&apos;s rows at once is refused (the plugin option <code>maxDeleteFraction</code>),
            and then nothing is deleted. It stops an empty or wrong Payload database from emptying
            Supabase. If it refuses, find out why so many rows have no document (a wrong database,
            an unfinished import) before deleting them with{' '}
            <code>npx payload supabase-sync sync --force</code>.
          </p>
          {ctx.guard.deleteOrphans ? null : (
            <p>
              The plugin option <code>deleteOrphans</code> is off: the rows are kept.
            </p>
          )}
        </>
      ),
      run: start(ctx.lists.extra, 'Delete all extra', maxIdsPerRequest),
    })
  }

  return {
    run: bulk.run,
    label,
    running: bulk.running,
    cancelling: bulk.cancelling,
    cancel: bulk.cancel,
    pushAll,
    deleteAllExtra,
  }
}
