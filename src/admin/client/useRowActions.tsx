'use client'
/**
 * The drift lists' actions on one row, each confirmed in a modal (it overwrites or deletes) and
 * recorded in the Sync events with the user by the endpoint: **Push to Supabase** (`POST …/sync`,
 * Payload's version wins), **Pull into Payload** and per field **Use Supabase value** (`POST …/pull`,
 * version-checked), **Delete from Supabase** (`POST …/sync` of an extra row's id).
 */
import { toast } from '@payloadcms/ui'
import type { DocumentStatus } from '../../ops/compare.js'
import type { SyncResult } from '../../ops/options.js'
import type { PullResult } from '../../ops/pull.js'
import { describePullResult, describeSyncResult } from '../present/describeRun.js'
import { postJson, type ApiBase } from './api.js'
import type { ConfirmRequest } from './useConfirm.js'

export interface RowContext {
  base: ApiBase
  collection: string
  table: string
  deleteOrphans: boolean
  confirm: (request: ConfirmRequest) => void
  titleOf: (id: string) => string
  /** The row's state as last read (the documents endpoint), if it was. */
  stateOf: (id: string) => DocumentStatus | undefined
  /** The differing fields the check listed. */
  checkedFields: (id: string) => string[]
  setBusy: (id: string | null) => void
  /** Reads the rows' states again (and re-renders the server components). */
  refresh: (ids: string[]) => Promise<void>
}

function report(title: string, said: { ok: boolean; text: string }) {
  if (said.ok) toast.success(`${title}: ${said.text}`)
  else toast.error(`${title}: ${said.text}`)
}

export function useRowActions(ctx: RowContext) {
  const fieldsOf = (id: string) =>
    ctx.stateOf(id)?.fields?.map((f) => f.field) ?? ctx.checkedFields(id)
  const readOnlyOf = (id: string) =>
    ctx
      .stateOf(id)
      ?.fields?.filter((f) => f.readOnly)
      .map((f) => f.field) ?? []

  /** Runs `action` on the row with its buttons disabled, then reads the row again. */
  const busyWith = (id: string, action: () => Promise<void>) => async () => {
    ctx.setBusy(id)
    try {
      await action()
      await ctx.refresh([id])
    } finally {
      ctx.setBusy(null)
    }
  }

  const sync = (id: string) =>
    postJson<SyncResult>(ctx.base, '/supabase-sync/sync', { collection: ctx.collection, ids: [id] })

  const push = (id: string, kind: 'changed' | 'missing') => {
    const fields = fieldsOf(id)
    const title = ctx.titleOf(id)
    ctx.confirm({
      heading: 'Push to Supabase',
      confirmLabel: 'Push to Supabase',
      body: (
        <p>
          {kind === 'missing'
            ? `Writes the missing row of “${title}” into Supabase's ${ctx.table} table, from the document in Payload.`
            : `Overwrites the row of “${title}” in Supabase's ${ctx.table} table with the document in Payload: Supabase's values of ${fields.join(', ') || 'the differing fields'} are replaced.`}{' '}
          Recorded in the Sync events with your name.
        </p>
      ),
      run: busyWith(id, async () => report('Push to Supabase', describeSyncResult(await sync(id)))),
    })
  }

  const pull = (id: string, field?: string) => {
    const readOnly = readOnlyOf(id)
    const writable = fieldsOf(id).filter((f) => !readOnly.includes(f))
    const others = writable.filter((f) => f !== field)
    const title = field ? 'Use Supabase value' : 'Pull into Payload'
    ctx.confirm({
      heading: title,
      confirmLabel: title,
      body: field ? (
        <p>
          Overwrites <code>{field}</code> of “{ctx.titleOf(id)}” in Payload with Supabase&apos;s
          value (saved as you, under the collection&apos;s update access). Payload&apos;s row is
          then delivered back to Supabase
          {others.length
            ? `, so the other differing fields (${others.join(', ')}) get Payload's values there`
            : ''}
          . Recorded in the Sync events.
        </p>
      ) : (
        <p>
          Overwrites the document “{ctx.titleOf(id)}” in Payload with Supabase&apos;s values of{' '}
          {writable.join(', ') || 'the differing fields'} (saved as you, under the collection&apos;s
          update access)
          {readOnly.length ? `; read-only columns (${readOnly.join(', ')}) are not pulled` : ''}.
          Skipped when the document changed in Payload since its last delivery. Recorded in the Sync
          events.
        </p>
      ),
      run: busyWith(id, async () => {
        const r = await postJson<PullResult>(ctx.base, '/supabase-sync/pull', {
          collection: ctx.collection,
          ids: [id],
          ...(field ? { fields: [field] } : {}),
        })
        report(title, describePullResult(r))
      }),
    })
  }

  const remove = (id: string) => {
    const reason = ctx.stateOf(id)?.reason
    ctx.confirm({
      heading: 'Delete from Supabase',
      confirmLabel: 'Delete from Supabase',
      body: (
        <p>
          Deletes the row <code>{id}</code> from Supabase&apos;s {ctx.table} table: it has no
          document in Payload that belongs there
          {reason ? ` (${reason})` : ''}. This cannot be undone here. Recorded in the Sync events
          with your name.
          {ctx.deleteOrphans
            ? ''
            : ' Note: the plugin option deleteOrphans is off, so the row is kept.'}
        </p>
      ),
      run: busyWith(id, async () => {
        const r = await sync(id)
        const said = describeSyncResult(r)
        report('Delete from Supabase', { ...said, ok: said.ok && Boolean(r.deleted) })
      }),
    })
  }

  return { push, pull, remove }
}
