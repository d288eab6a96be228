/**
 * The write of a delivery: its rows with the claim's version, through the version guard. A row the
 * guard keeps because Supabase holds a later version is a row no delivery wrote — the locks are still
 * held, so no other delivery has written it since — edited in Supabase directly: Payload wins, the row
 * is written again without the guard, and the conflict is logged and recorded.
 */
import type { Logger } from 'pino'
import type { ApplyBatch, ApplyOutcome } from '../supabase/apply-outcome.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import type { Sql } from './database.js'

export interface PayloadWinsDeps {
  target: SupabaseTarget
  batchSize: number
  logger: Logger
  onConflict?: (collection: SyncedCollection, ids: string[]) => Promise<void>
}

export async function applyPayloadWins(
  deps: PayloadWinsDeps,
  sql: Sql,
  collection: SyncedCollection,
  batch: Omit<ApplyBatch, 'force'>,
): Promise<ApplyOutcome> {
  const { target, batchSize, logger } = deps
  const applied = await target.apply(collection.spec, batch, batchSize)
  if (!applied.stale.length) return applied
  // This query fails if our connection (and with it our locks) is gone: then nothing is forced.
  await sql.query('select 1')
  const stale = new Set(applied.stale)
  const forced = await target.apply(
    collection.spec,
    {
      upserts: batch.upserts.filter((row) => stale.has(String(row[collection.spec.primaryKey]))),
      deletes: batch.deletes.filter((id) => stale.has(id)),
      version: batch.version,
      force: true,
    },
    batchSize,
  )
  applied.written.push(...forced.written)
  applied.deleted.push(...forced.deleted)
  for (const [id, error] of forced.failed) applied.failed.set(id, error)
  const replaced = [...forced.written, ...forced.deleted]
  if (replaced.length) {
    logger.warn(
      {
        collection: collection.slug,
        ids: replaced.slice(0, 50),
        op: 'upsert',
        outcome: 'conflict',
      },
      `${collection.slug}: Supabase held ${replaced.length} row(s) of a version the plugin never wrote; Payload wins, rows replaced`,
    )
    await deps.onConflict?.(collection, replaced)
  }
  return applied
}
