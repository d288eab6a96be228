/**
 * The operators' engine: validate, sync, reset, pull, status. One implementation behind three faces —
 * these Local API functions, the `npx payload supabase-sync …` commands and the REST endpoints.
 * Every operation leaves an audit record (collection `supabase-sync-events`) and a log line.
 */
import type { Payload } from 'payload'
import { SyncError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import { changedFields } from '../sync/diff.js'
import { actualRows, reconcile, type FailedDocument, type ReconcileSummary } from '../sync/reconcile.js'
import { getRuntime, syncedCollection, type SyncRuntime } from '../sync/runtime.js'
import { syncTaskSlug } from '../sync/task.js'
import { recordEvent, type Actor } from './audit.js'

export interface OperationOptions {
  /** The synced collection (default `dealers`). */
  collection?: string
  /** Only these document ids. */
  ids?: string[]
  /** Who asks, for the audit trail (the endpoints and commands set it). */
  actor?: Actor
  /** Progress of long runs: documents read / total. */
  onProgress?: (done: number, total: number) => void
}

export interface ValidateResult {
  collection: string
  inSync: boolean
  /** In Payload, not in Supabase. */
  missing: string[]
  /** In Supabase, not in Payload (orphans). */
  extra: string[]
  /** Rows that differ, with the Supabase columns (`api_config.<key>` inside api_config). */
  changed: { id: string; fields: string[] }[]
  /** Documents that cannot become a row (mapping errors), with the field at fault. */
  failed: FailedDocument[]
  scanned: number
  rows: number
  ms: number
}

/** The reconcile's summary without the full diff (its ids are in the audit record). */
export type SyncResult = Omit<ReconcileSummary, 'diff' | 'table' | 'rows' | 'dryRun'>

function toSyncResult(summary: ReconcileSummary): SyncResult {
  const { diff: _diff, table: _table, rows: _rows, dryRun: _dryRun, ...result } = summary
  return result
}

function fieldsOf(summary: ReconcileSummary): Record<string, string[]> {
  return Object.fromEntries(summary.diff.changed.map((c) => [c.id, c.fields]))
}

/** Read-only: compares every document's mapped row with Supabase. */
export async function validateSync(payload: Payload, options: OperationOptions = {}): Promise<ValidateResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const summary = await reconcile(runtime, collection, { ids: options.ids, dryRun: true, onProgress: options.onProgress })
  const { missing, extra, changed } = summary.diff
  const result: ValidateResult = {
    collection: collection.slug,
    inSync: missing.length === 0 && extra.length === 0 && changed.length === 0 && summary.failed.length === 0,
    missing,
    extra,
    changed,
    failed: summary.failed,
    scanned: summary.scanned,
    rows: summary.rows,
    ms: summary.ms,
  }
  await recordEvent(runtime, {
    action: 'validate',
    collectionSlug: collection.slug,
    outcome: result.inSync ? 'ok' : 'drift',
    summary: result.inSync
      ? `in sync: ${summary.scanned} documents`
      : `drift: ${missing.length} missing, ${extra.length} extra, ${changed.length} changed, ${summary.failed.length} unmappable`,
    ids: [...missing, ...extra, ...changed.map((c) => c.id)],
    fields: fieldsOf(summary),
    details: { missing, extra, failed: summary.failed, scanned: summary.scanned, rows: summary.rows },
    actor: options.actor,
  })
  return result
}

/** Makes Supabase equal Payload for all documents, or for the given ids (the seed's sync-dealer-specific). */
export async function syncDocuments(payload: Payload, options: OperationOptions & { force?: boolean } = {}): Promise<SyncResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const summary = await reconcile(runtime, collection, { ids: options.ids, force: options.force, onProgress: options.onProgress })
  if (!options.ids) runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
  await recordEvent(runtime, {
    action: 'sync',
    collectionSlug: collection.slug,
    outcome: summary.failed.length ? 'failed' : summary.guard ? 'refused' : 'ok',
    summary: `${options.ids ? `${options.ids.length} ids` : 'all'}: ${summary.upserted} upserted, ${summary.deleted} deleted, ${summary.unchanged} unchanged, ${summary.failed.length} failed`,
    ids: [...summary.diff.missing, ...summary.diff.extra, ...summary.diff.changed.map((c) => c.id)],
    fields: fieldsOf(summary),
    details: toSyncResult(summary),
    actor: options.actor,
  })
  return toSyncResult(summary)
}

export interface ResetResult {
  collection: string
  cleared: number
  sync: SyncResult
}

/** Deletes every row of the table and re-syncs it from Payload. Needs `confirm: true`. */
export async function resetTable(payload: Payload, options: Omit<OperationOptions, 'ids'> & { confirm: boolean }): Promise<ResetResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  if (options.confirm !== true) {
    throw new SyncError(`supabase-sync: reset of "${collection.spec.table}" needs confirm: true (--yes)`, { collection: collection.slug, operation: 'reconcile' })
  }
  const ids = [...(await actualRows(runtime, collection)).keys()]
  await runtime.target.delete(collection.spec, ids, runtime.options.batchSize)
  const summary = await reconcile(runtime, collection, { onProgress: options.onProgress })
  runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
  const result = { collection: collection.slug, cleared: ids.length, sync: toSyncResult(summary) }
  await recordEvent(runtime, {
    action: 'reset',
    collectionSlug: collection.slug,
    outcome: summary.failed.length ? 'failed' : 'ok',
    summary: `reset: ${ids.length} rows cleared, ${summary.upserted} re-synced, ${summary.failed.length} failed`,
    details: result,
    actor: options.actor,
  })
  return result
}

export interface PullResult {
  collection: string
  /** Documents updated from Supabase, with the columns taken over. */
  pulled: { id: string; fields: string[] }[]
  /** Columns that differ but cannot be written back into Payload (the mapper's readOnlyColumns). */
  refused: { id: string; fields: string[] }[]
  /** Ids with no row in Supabase, or no document in Payload. */
  skipped: { id: string; reason: string }[]
  failed: FailedDocument[]
}

/**
 * The manual override the other way: Supabase's values into Payload for the given ids (or every
 * drifted one), through the mapper's fromRow, without echoing the change back to Supabase.
 */
export async function pullFromSupabase(payload: Payload, options: OperationOptions = {}): Promise<PullResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const { mapper } = collection
  if (!mapper.fromRow) {
    throw new SyncError(`supabase-sync: the mapper of "${collection.slug}" has no fromRow; it cannot pull from Supabase`, { collection: collection.slug, operation: 'pull' })
  }
  const ids = options.ids ?? (await validateSync(payload, { collection: collection.slug, actor: options.actor })).changed.map((c) => c.id)
  const result: PullResult = { collection: collection.slug, pulled: [], refused: [], skipped: [], failed: [] }
  if (ids.length === 0) return result
  const rows = await actualRows(runtime, collection, ids)
  const version = collection.spec.versionColumn
  const readOnly = new Set([...(mapper.readOnlyColumns ?? []), collection.spec.primaryKey, ...(version ? [version] : [])])
  for (const id of ids) {
    const row = rows.get(id)
    if (!row) {
      result.skipped.push({ id, reason: 'no row in Supabase' })
      continue
    }
    const doc = await payload.findByID({ collection: collection.slug, id, depth: 0, disableErrors: true, overrideAccess: true, draft: false })
    if (!doc) {
      result.skipped.push({ id, reason: 'no document in Payload' })
      continue
    }
    if (collection.drafts) {
      // A pull updates the main document; with a draft pending, Payload would write that draft into
      // it and unpublish. Leave such documents to the editor.
      const latest = await payload.findByID({ collection: collection.slug, id, depth: 0, disableErrors: true, overrideAccess: true, draft: true })
      if (latest && (latest as { _status?: string })._status === 'draft') {
        result.skipped.push({ id, reason: 'a draft is pending in Payload: publish or discard it first' })
        continue
      }
    }
    const current = mapper.toRow(doc as never) as Row | null
    const differing = current ? changedFields(current, row) : Object.keys(row)
    const refused = differing.filter((f) => readOnly.has(f.split('.')[0]))
    const taken = differing.filter((f) => !readOnly.has(f.split('.')[0]))
    if (refused.length) result.refused.push({ id, fields: refused })
    if (!taken.length) continue
    try {
      const parsed = mapper.rowSchema.safeParse(row)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new SyncError(`${collection.slug} ${id}: the Supabase row is invalid at "${issue.path.join('.')}": ${issue.message}`, {
          collection: collection.slug,
          id,
          operation: 'pull',
          field: issue.path.join('.'),
        })
      }
      await payload.update({
        collection: collection.slug,
        id,
        data: { ...(mapper.fromRow(parsed.data) as Record<string, unknown>), ...(collection.drafts ? { _status: 'published' } : {}) },
        overrideAccess: true,
        depth: 0,
        // The change comes from Supabase: do not send it back.
        context: { supabaseSync: false },
      })
      result.pulled.push({ id, fields: taken })
    } catch (error) {
      result.failed.push({ id, message: error instanceof Error ? error.message : String(error), field: error instanceof SyncError ? error.field : undefined })
    }
  }
  runtime.logger.info({ collection: collection.slug, op: 'pull', pulled: result.pulled.length, refused: result.refused.length, failed: result.failed.length }, `${collection.slug}: pull done`)
  await recordEvent(runtime, {
    action: 'pull',
    collectionSlug: collection.slug,
    outcome: result.failed.length ? 'failed' : result.refused.length ? 'refused' : 'ok',
    summary: `pull: ${result.pulled.length} documents updated from Supabase, ${result.refused.length} with refused fields, ${result.failed.length} failed`,
    ids,
    fields: Object.fromEntries([...result.pulled, ...result.refused].map((p) => [p.id, p.fields])),
    details: result,
    actor: options.actor,
  })
  return result
}

export interface StatusResult {
  collections: {
    collection: string
    table: string
    documents: number
    rows: number | null
    lastReconcile?: SyncResult & { at?: string }
  }[]
  jobs: { pending: number; failed: number; processing: number; oldestPendingAgeMs: number | null }
  supabase: { reachable: boolean; ms: number; error?: string }
}

export async function syncStatus(payload: Payload): Promise<StatusResult> {
  const runtime = getRuntime(payload)
  const started = performance.now()
  let supabase: StatusResult['supabase'] = { reachable: true, ms: 0 }
  const collections: StatusResult['collections'] = []
  for (const collection of runtime.collections.values()) {
    const documents = (await payload.count({ collection: collection.slug, overrideAccess: true })).totalDocs
    let rows: number | null = null
    try {
      rows = await runtime.target.count(collection.spec)
    } catch (error) {
      supabase = { reachable: false, ms: 0, error: error instanceof Error ? error.message : String(error) }
    }
    const last = runtime.lastReconcile.get(collection.slug)
    collections.push({ collection: collection.slug, table: collection.spec.table, documents, rows, lastReconcile: last ? { ...toSyncResult(last), at: last.at } : undefined })
  }
  supabase.ms = Math.round(performance.now() - started)
  return { collections, jobs: await jobCounts(runtime), supabase }
}

async function jobCounts(runtime: SyncRuntime): Promise<StatusResult['jobs']> {
  const { payload, options } = runtime
  const base = [{ taskSlug: { equals: syncTaskSlug } }, { queue: { equals: options.queue.name } }, { completedAt: { exists: false } }]
  const count = async (extra: Record<string, unknown>[]) =>
    (await payload.count({ collection: 'payload-jobs', where: { and: [...base, ...extra] } as never, overrideAccess: true })).totalDocs
  const pending = await count([{ hasError: { not_equals: true } }, { processing: { equals: false } }])
  const processing = await count([{ processing: { equals: true } }])
  const failed = await count([{ hasError: { equals: true } }])
  const oldest = await payload.find({
    collection: 'payload-jobs',
    where: { and: [...base, { hasError: { not_equals: true } }] } as never,
    sort: 'createdAt',
    limit: 1,
    depth: 0,
    overrideAccess: true,
  })
  const first = oldest.docs[0] as { createdAt?: string } | undefined
  return { pending, processing, failed, oldestPendingAgeMs: first?.createdAt ? Date.now() - Date.parse(first.createdAt) : null }
}
