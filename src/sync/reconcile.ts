/**
 * The reconcile: page through every Payload document and every Supabase row, diff them (pure), delete
 * orphans (behind the mass-delete guard), then upsert missing and changed rows in batches. The startup
 * sync, `syncDocuments` and `validateSync` (read-only) are all this one pass.
 */
import type { Where } from 'payload'
import { MassDeleteError, SyncError } from '../errors.js'
import type { Doc, Row } from '../mapping/types.js'
import { mapDocument } from '../mapping/validate.js'
import { belongsInSupabase, documentReadOptions, upsertGuarded } from './deliver.js'
import { deleteAllowed, diffRows, type RowDiff } from './diff.js'
import type { SyncedCollection, SyncRuntime } from './runtime.js'

export interface ReconcileOptions {
  /** Only these documents (and rows); all when absent. */
  ids?: readonly string[]
  /** Compare only: write nothing. */
  dryRun?: boolean
  /** Delete rows that have no document (default: the plugin's deleteOrphans). */
  deleteOrphans?: boolean
  /** Bypass the mass-delete guard. */
  force?: boolean
  /** Progress of the Payload scan: documents read so far. */
  onProgress?: (done: number, total: number) => void
}

export interface FailedDocument {
  id: string
  message: string
  field?: string
  code?: string
}

export interface ReconcileSummary {
  collection: string
  table: string
  /** Payload documents read. */
  scanned: number
  /** Supabase rows read. */
  rows: number
  upserted: number
  deleted: number
  unchanged: number
  /** Rows Supabase already held in a newer version (the stale-write guard kept them). */
  stale: number
  failed: FailedDocument[]
  /** Orphans left in place: deleteOrphans off, or the guard refused. */
  orphansKept: number
  guard?: string
  diff: RowDiff
  requests: number
  ms: number
  dryRun: boolean
}

/** Every document of the collection that belongs in Supabase, mapped; mapping failures separately. */
export async function expectedRows(
  runtime: SyncRuntime,
  collection: SyncedCollection,
  ids?: readonly string[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ rows: Map<string, Row>; scanned: number; failed: FailedDocument[] }> {
  const { payload, options } = runtime
  const rows = new Map<string, Row>()
  const failed: FailedDocument[] = []
  const pageSize = Math.max(options.batchSize, 1000)
  let scanned = 0
  let after: string | undefined
  let total = 0
  for (;;) {
    const and: Where[] = []
    if (ids) and.push({ id: { in: [...ids] } })
    if (after !== undefined) and.push({ id: { greater_than: after } })
    // Keyset paging by id: documents saved during the scan cannot shift a page.
    const page = await payload.find({
      collection: collection.slug,
      where: and.length ? { and } : undefined,
      sort: 'id',
      limit: pageSize,
      pagination: scanned === 0,
      ...documentReadOptions(collection),
    })
    if (scanned === 0) total = page.totalDocs ?? page.docs.length
    for (const doc of page.docs as Doc[]) {
      scanned++
      if (!belongsInSupabase(collection, doc)) continue
      const row = mapDocument(collection.slug, collection.mapper, doc)
      if (row instanceof SyncError) failed.push({ id: String(doc.id), message: row.message, field: row.field })
      else if (row) rows.set(String(doc.id), row)
    }
    onProgress?.(scanned, Math.max(total, scanned))
    if (page.docs.length < pageSize) break
    after = String(page.docs[page.docs.length - 1].id)
  }
  return { rows, scanned, failed }
}

/** Every row of the table (or of the given ids), keyed by primary key. */
export async function actualRows(runtime: SyncRuntime, collection: SyncedCollection, ids?: readonly string[]): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>()
  const pageSize = 1000
  for await (const page of runtime.target.pages(collection.spec, pageSize, ids ? [...ids] : undefined)) {
    for (const row of page) rows.set(String(row[collection.spec.primaryKey]), row)
  }
  return rows
}

export async function reconcile(runtime: SyncRuntime, collection: SyncedCollection, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const { target, options, logger } = runtime
  const started = performance.now()
  const requestsBefore = target.requests
  const dryRun = opts.dryRun ?? false
  const [expected, actual] = await Promise.all([expectedRows(runtime, collection, opts.ids, opts.onProgress), actualRows(runtime, collection, opts.ids)])
  // A document that failed to map is neither missing nor an orphan: it is reported as failed.
  for (const { id } of expected.failed) actual.delete(id)
  const version = collection.spec.versionColumn
  const diff = diffRows(expected.rows, actual, version ? [version] : [])

  const summary: ReconcileSummary = {
    collection: collection.slug,
    table: collection.spec.table,
    scanned: expected.scanned,
    rows: actual.size,
    upserted: 0,
    deleted: 0,
    unchanged: diff.unchanged,
    stale: 0,
    failed: [...expected.failed],
    orphansKept: 0,
    diff,
    requests: 0,
    ms: 0,
    dryRun,
  }

  if (!dryRun) {
    const deleteOrphans = opts.deleteOrphans ?? options.deleteOrphans
    if (diff.extra.length && deleteOrphans) {
      // The guard compares with the whole table, so a scoped run (ids) counts the table first.
      const tableRows = opts.ids ? await target.count(collection.spec) : actual.size
      if (opts.force || deleteAllowed(diff.extra.length, tableRows, options.maxDeleteFraction)) {
        try {
          await target.delete(collection.spec, diff.extra, options.batchSize)
          summary.deleted = diff.extra.length
        } catch (error) {
          summary.orphansKept = diff.extra.length
          summary.failed.push({ id: diff.extra[0], message: error instanceof Error ? error.message : String(error) })
        }
      } else {
        const refusal = new MassDeleteError(collection.slug, diff.extra.length, tableRows, options.maxDeleteFraction)
        summary.guard = refusal.message
        summary.orphansKept = diff.extra.length
        logger.warn({ collection: collection.slug, wouldDelete: diff.extra.length, tableRows }, refusal.message)
      }
    } else {
      summary.orphansKept = diff.extra.length
    }

    const toWrite = [...diff.missing, ...diff.changed.map((c) => c.id)].map((id) => expected.rows.get(id)!)
    if (toWrite.length) {
      const outcome = await upsertGuarded(runtime, collection, toWrite)
      summary.upserted = outcome.written.length
      summary.stale = outcome.stale.length
      for (const [id, error] of outcome.failed) summary.failed.push({ id, message: error.message, code: error.code })
    }
  }

  summary.requests = target.requests - requestsBefore
  summary.ms = Math.round(performance.now() - started)
  for (const failure of summary.failed) logger.error({ collection: collection.slug, id: failure.id, op: 'reconcile', outcome: 'failed', field: failure.field, code: failure.code }, failure.message)
  logger.info(
    {
      collection: collection.slug,
      op: dryRun ? 'validate' : 'reconcile',
      scanned: summary.scanned,
      upserted: summary.upserted,
      deleted: summary.deleted,
      unchanged: summary.unchanged,
      stale: summary.stale,
      failed: summary.failed.length,
      orphansKept: summary.orphansKept,
      missing: diff.missing.length,
      changed: diff.changed.length,
      extra: diff.extra.length,
      requests: summary.requests,
      ms: summary.ms,
    },
    `${collection.slug}: ${dryRun ? 'validate' : 'reconcile'} done`,
  )
  return summary
}
