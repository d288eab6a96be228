/**
 * The write of a delivery: its rows with the claim's version, through the version guard. A row the
 * guard keeps because Supabase holds a later version is a row no delivery wrote — the locks are still
 * held, so no other delivery has written it since — written around the plugin (sql/002 marks such
 * writes with the largest version): Payload wins, the row is written again without the guard, and
 * where it held an edit the plugin had not delivered (replaced-edits.ts), the conflict is logged and
 * recorded, with what it held. Except a pull's save over a row edited or deleted since the pull read
 * it, where the realtime watch pulls edits: left for the watch (left-for-pull.ts) — known from the
 * read before the write where it can be, else from the guard's answer and a read after it.
 */
import type { Logger } from 'pino'
import { expectedColumns } from '../mapping/columns.js'
import type { Row } from '../mapping/types.js'
import type { ApplyBatch, ApplyOutcome } from '../supabase/apply-outcome.js'
import type { SupabaseTarget } from '../supabase/target.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import type { Sql } from './database.js'
import { documentKey } from './keys.js'
import { leftAsRead, leftForPull } from './left-for-pull.js'
import { replacedEdits, type ReplacedEdit } from './replaced-edits.js'
import type { StateStore } from './state.js'

export type { ReplacedEdit } from './replaced-edits.js'

/** PostgreSQL's unique_violation. */
const uniqueViolation = '23505'

export interface PayloadWinsDeps {
  target: SupabaseTarget
  state: StateStore
  batchSize: number
  logger: Logger
  onConflict?: (collection: SyncedCollection, edits: ReplacedEdit[]) => Promise<void>
}

export interface PayloadWinsOptions {
  /** The caller records what it replaces itself (the realtime watch's revert of what it caught). */
  recorded?: boolean
  /** Documents whose jobs are all pulls' saves, with the rows those pulls read (left-for-pull.ts). */
  pulled?: ReadonlyMap<string, ReadonlySet<string>>
}

export interface PayloadWinsOutcome extends ApplyOutcome {
  /** Stale rows of pulls' saves edited in Supabase since the pull read them: not written. */
  left: string[]
}

export async function applyPayloadWins(
  deps: PayloadWinsDeps,
  sql: Sql,
  collection: SyncedCollection,
  batch: Omit<ApplyBatch, 'force'>,
  options: PayloadWinsOptions = {},
): Promise<PayloadWinsOutcome> {
  const { target, batchSize, logger } = deps
  const key = (row: Row) => String(row[collection.spec.primaryKey])
  // A pull's save over a row deleted since the pull read it: the guard keeps only rows that are
  // there, so the upsert would insert it again, undoing the delete unrecorded. Left, as edited; and a
  // row that read shows edited since is left at once, not written at the guard and read again.
  const early = new Set(
    await leftBeforeWrite(deps, collection, batch, options.pulled, !options.recorded),
  )
  const first = early.size
    ? { ...batch, upserts: batch.upserts.filter((r) => !early.has(key(r))) }
    : batch
  const applied = Object.assign(
    first.upserts.length || first.deletes.length
      ? await target.apply(collection.spec, first, batchSize)
      : nothingApplied(),
    { left: [...early] },
  )
  if (!applied.stale.length) return leaving(logger, collection, applied)
  // This query fails if our connection (and with it our locks) is gone: then nothing is forced.
  await sql.query('select 1')
  // What they held, read before they are replaced (the locks keep other deliveries off them).
  const held = options.recorded ? undefined : await heldRows(deps, collection, applied.stale)
  applied.left.push(
    ...leftForPull(applied.stale, held?.held, options.pulled, bookkeepingColumns(collection)),
  )
  const left = new Set(applied.left)
  leaving(logger, collection, applied)
  // Rows refused for a unique value go again with the stale ones: a stale row may still hold the
  // value one of them takes while it takes theirs (documents that traded values, one edited in
  // Supabase directly). Forced apart, each is refused by the other on every try, until both are
  // given up; together, the apply function writes them in one statement.
  const partners = [...applied.failed]
    .filter(([, error]) => error.code === uniqueViolation)
    .map(([id]) => id)
  for (const id of partners) applied.failed.delete(id)
  const again = new Set([...applied.stale.filter((id) => !left.has(id)), ...partners])
  const upserts = batch.upserts.filter((row) => again.has(key(row)))
  const deletes = batch.deletes.filter((id) => again.has(id))
  if (!upserts.length && !deletes.length) return applied
  const forced = await target.apply(
    collection.spec,
    { upserts, deletes, version: batch.version, force: true },
    batchSize,
  )
  applied.written.push(...forced.written)
  applied.deleted.push(...forced.deleted)
  for (const [id, error] of forced.failed) applied.failed.set(id, error)
  // The partners were written by the plugin (not stale): only the stale rows can hold an edit.
  const stale = new Set(applied.stale)
  const replaced = [...forced.written, ...forced.deleted].filter((id) => stale.has(id))
  if (!replaced.length || options.recorded) return applied
  const written = new Map<string, Row | null>([
    ...upserts.map((row): [string, Row] => [String(row[collection.spec.primaryKey]), row]),
    ...deletes.map((id): [string, null] => [id, null]),
  ])
  // Unread (a failed read): every replaced row counts, its columns unknown — as before the mark.
  const edits = held
    ? replacedEdits({ ids: replaced, written, ...held, ignore: bookkeepingColumns(collection) })
    : replaced.map((id) => ({ id, fields: [] }))
  logger.debug(
    {
      collection: collection.slug,
      ids: replaced.slice(0, 50),
      op: 'upsert',
      conflicts: edits.length,
    },
    `${collection.slug}: ${replaced.length} row(s) written around the plugin replaced`,
  )
  if (!edits.length) return applied
  logger.warn(
    {
      collection: collection.slug,
      ids: edits.slice(0, 50).map((e) => e.id),
      fields: Object.fromEntries(
        edits.slice(0, 50).map((e) => [e.id, e.fields.map((f) => f.field)]),
      ),
      op: 'upsert',
      outcome: 'conflict',
    },
    `${collection.slug}: Supabase held ${edits.length} row(s) edited there directly; Payload wins, rows replaced`,
  )
  await deps.onConflict?.(collection, edits)
  return applied
}

function nothingApplied(): ApplyOutcome {
  return { written: [], deleted: [], stale: [], failed: new Map(), requests: 0 }
}

/** Logs the rows left for the watch to pull, if any; returns the outcome. */
function leaving(
  logger: Logger,
  collection: SyncedCollection,
  applied: PayloadWinsOutcome,
): PayloadWinsOutcome {
  if (applied.left.length)
    logger.info(
      {
        collection: collection.slug,
        ids: applied.left.slice(0, 50),
        op: 'upsert',
        outcome: 'left',
      },
      `${collection.slug}: ${applied.left.length} row(s) edited or deleted in Supabase after a pull read them left as they are for the watch to pull; that pull's save writes Payload's values back`,
    )
  return applied
}

/**
 * The rows of pulls' saves (`pulled`) to leave before writing (left-for-pull.ts: `leftAsRead`): gone
 * from Supabase, or (`canLeaveEdited`: the caller does not record what it replaces itself) marked as
 * edited there since the pulls read them. Unread (a failed read): none, so they are written, as a row
 * that could not be read is after the guard.
 */
async function leftBeforeWrite(
  deps: PayloadWinsDeps,
  collection: SyncedCollection,
  batch: Omit<ApplyBatch, 'force'>,
  pulled: ReadonlyMap<string, ReadonlySet<string>> | undefined,
  canLeaveEdited: boolean,
): Promise<string[]> {
  const { spec } = collection
  const ids = pulled?.size
    ? batch.upserts.map((row) => String(row[spec.primaryKey])).filter((id) => pulled.has(id))
    : []
  if (!pulled || !ids.length) return []
  try {
    const held = await deps.target.rowsByIds(spec, ids)
    const guarded = canLeaveEdited && deps.target.guards(spec, batch.version)
    return leftAsRead(
      ids,
      held,
      pulled,
      spec.versionColumn,
      bookkeepingColumns(collection),
      guarded,
    )
  } catch (err) {
    deps.logger.debug(
      { err, collection: collection.slug, ids: ids.slice(0, 50), op: 'read' },
      `${collection.slug}: could not read the rows of ${ids.length} pull(s)' save(s) before writing them back`,
    )
    return []
  }
}

/** Supabase's rows of these ids and what the plugin last delivered for them; undefined if unread. */
async function heldRows(
  deps: PayloadWinsDeps,
  collection: SyncedCollection,
  ids: string[],
): Promise<
  { held: Map<string, Row>; delivered: Map<string, string>; columns?: string[] } | undefined
> {
  try {
    const [held, state] = await Promise.all([
      deps.target.rowsByIds(collection.spec, ids),
      deps.state.get(ids.map((id) => documentKey(collection.slug, id))),
    ])
    const delivered = new Map<string, string>()
    for (const id of ids) {
      const last = state.get(documentKey(collection.slug, id))
      if (last) delivered.set(id, last.fingerprint)
    }
    const columns = expectedColumns(collection.mapper, collection.spec.versionColumn)
    return {
      held,
      delivered,
      columns: Array.isArray(columns) ? columns.map((c) => c.name) : undefined,
    }
  } catch (err) {
    deps.logger.warn(
      { err, collection: collection.slug, ids: ids.slice(0, 50), op: 'read' },
      `${collection.slug}: could not read ${ids.length} row(s) written around the plugin before replacing them: each is recorded as a conflict, its columns unknown`,
    )
    return undefined
  }
}
