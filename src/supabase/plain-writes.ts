/**
 * Writes without the apply function (`writeMode: 'upsert'`): PostgREST's plain upsert and delete, for
 * projects that cannot install `supabase_sync_apply`. No stale-write guard; a batch refused as a whole
 * for a reason in one row is split until the bad rows stand alone.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { TargetError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { ApplyOutcome } from './apply-outcome.js'
import { shouldSplit } from './classify.js'
import { failureError, forDocument } from './failures.js'
import type { TableSpec } from './spec.js'

/** What the plain writes need of the target: its client, and its retried, timed attempt. */
export interface PlainWriter {
  client: SupabaseClient
  attempt<T>(label: string, run: (signal: AbortSignal) => Promise<T>): Promise<T>
}

const idOf = (spec: TableSpec, row: Row): string => String(row[spec.primaryKey])

export async function upsertPlain(
  w: PlainWriter,
  spec: TableSpec,
  batch: Row[],
  outcome: ApplyOutcome,
): Promise<void> {
  const version = spec.versionColumn
  // Without the apply function there is no guard, and the table may not have the version column.
  const rows = version ? batch.map(({ [version]: _v, ...row }) => row) : batch
  try {
    await w.attempt(`upsert ${spec.table}`, async (signal) => {
      const { error, status } = await w.client
        .from(spec.table)
        .upsert(rows, { onConflict: spec.primaryKey })
        .abortSignal(signal)
      if (error)
        throw failureError(
          spec,
          'upsert',
          error,
          status,
          rows.length,
          rows.length === 1 ? idOf(spec, rows[0]) : undefined,
        )
    })
    for (const row of rows) outcome.written.push(idOf(spec, row))
  } catch (error) {
    if (
      error instanceof TargetError &&
      shouldSplit({ status: error.status ?? 0, code: error.code, rows: rows.length })
    ) {
      const mid = Math.ceil(rows.length / 2)
      await upsertPlain(w, spec, rows.slice(0, mid), outcome)
      await upsertPlain(w, spec, rows.slice(mid), outcome)
      return
    }
    for (const row of rows)
      outcome.failed.set(idOf(spec, row), forDocument(spec, idOf(spec, row), 'upsert', error))
  }
}

export async function deletePlain(
  w: PlainWriter,
  spec: TableSpec,
  ids: string[],
  outcome: ApplyOutcome,
): Promise<void> {
  try {
    await w.attempt(`delete ${spec.table}`, async (signal) => {
      const { error, status } = await w.client
        .from(spec.table)
        .delete()
        .in(spec.primaryKey, ids)
        .abortSignal(signal)
      if (error)
        throw failureError(
          spec,
          'delete',
          error,
          status,
          ids.length,
          ids.length === 1 ? ids[0] : undefined,
        )
    })
    outcome.deleted.push(...ids)
  } catch (error) {
    if (
      error instanceof TargetError &&
      shouldSplit({ status: error.status ?? 0, code: error.code, rows: ids.length })
    ) {
      const mid = Math.ceil(ids.length / 2)
      await deletePlain(w, spec, ids.slice(0, mid), outcome)
      await deletePlain(w, spec, ids.slice(mid), outcome)
      return
    }
    for (const id of ids) outcome.failed.set(id, forDocument(spec, id, 'delete', error))
  }
}
