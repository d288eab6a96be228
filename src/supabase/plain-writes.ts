/**
 * Writes without the apply function (`writeMode: 'upsert'`): PostgREST's plain upsert and delete, for
 * projects that cannot install `supabase_sync_apply`. No stale-write guard; a batch refused as a whole
 * for a reason in one row is split until the bad rows stand alone. A write without an answer (the
 * plugin's timeout, a lost connection, a gateway's timeout) may still commit after the retry and after
 * newer writes — nothing in Supabase refuses it — so its keys are told to the writer.
 */
import type { Row } from '../mapping/types.js'
import type { ApplyOutcome, Writer } from './apply-outcome.js'
import { failureError, forDocument } from './failures.js'
import { inList } from './id-lists.js'
import type { TableSpec } from './spec.js'
import { splitting } from './splitting.js'

const idOf = (spec: TableSpec, row: Row): string => String(row[spec.primaryKey])

/** No answer from PostgREST itself: none at all, or a gateway's timeout (it may still be running). */
const unanswered = (status: number) =>
  status === 0 || status === 504 || (status >= 520 && status <= 524)

export async function upsertPlain(
  w: Writer,
  spec: TableSpec,
  batch: Row[],
  outcome: ApplyOutcome,
): Promise<void> {
  const version = spec.versionColumn
  // Without the apply function there is no guard, and the table may not have the version column.
  const rows = version ? batch.map(({ [version]: _v, ...row }) => row) : batch
  await splitting(
    rows,
    async (part) => {
      await w.attempt(`upsert ${spec.table}`, async (signal) => {
        const { error, status } = await w.client
          .from(spec.table)
          .upsert(part, { onConflict: spec.primaryKey })
          .abortSignal(signal)
        if (error && unanswered(status))
          w.unanswered(
            spec,
            part.map((row) => idOf(spec, row)),
          )
        if (error)
          throw failureError(
            spec,
            'upsert',
            error,
            status,
            part.length,
            part.length === 1 ? idOf(spec, part[0]) : undefined,
          )
      })
      for (const row of part) outcome.written.push(idOf(spec, row))
    },
    (part, error) => {
      for (const row of part)
        outcome.failed.set(idOf(spec, row), forDocument(spec, idOf(spec, row), 'upsert', error))
    },
  )
}

export async function deletePlain(
  w: Writer,
  spec: TableSpec,
  ids: string[],
  outcome: ApplyOutcome,
): Promise<void> {
  await splitting(
    ids,
    async (part) => {
      await w.attempt(`delete ${spec.table}`, async (signal) => {
        const { error, status } = await w.client
          .from(spec.table)
          .delete()
          .filter(spec.primaryKey, 'in', inList(part))
          .abortSignal(signal)
        if (error && unanswered(status)) w.unanswered(spec, part)
        if (error)
          throw failureError(
            spec,
            'delete',
            error,
            status,
            part.length,
            part.length === 1 ? part[0] : undefined,
          )
      })
      outcome.deleted.push(...part)
    },
    (part, error) => {
      for (const id of part) outcome.failed.set(id, forDocument(spec, id, 'delete', error))
    },
  )
}
