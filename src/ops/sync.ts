/** `sync` and `reset`: the reconcile on demand, as the seed's sync-dealers-manual and sync-dealer-specific. */
import type { Payload } from 'payload'
import { CancelledError, describeCause, SyncError } from '../errors.js'
import { reconcileDeps } from '../lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import { deleteAllowed } from '../reconcile/diff.js'
import { notedFullRun } from '../reconcile/full-runs.js'
import { reconcile } from '../reconcile/reconcile.js'
import { recordEvent } from './audit.js'
import { exclusive } from './exclusive.js'
import { forgetCounts } from './status-counts.js'
import {
  fieldsOf,
  recordCancel,
  recordedSyncResult,
  toSyncResult,
  type OperationOptions,
  type SyncResult,
} from './options.js'

/**
 * Makes Supabase equal Payload for all documents, or for the given ids: every document that differs
 * goes through the delivery path (locked, read as it is now, written); rows without documents are
 * deleted behind the mass-delete guard (`force` bypasses it). Failed jobs of documents found in sync
 * are resolved; documents that still fail stay failed with their cause.
 */
export async function syncDocuments(
  payload: Payload,
  options: OperationOptions & { force?: boolean; action?: 'sync' | 'retry' } = {},
): Promise<SyncResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const summary = await recordCancel(
    runtime,
    options.action ?? 'sync',
    collection.slug,
    options,
    () =>
      exclusive(
        runtime.db,
        'sync',
        collection.slug,
        (signal) => {
          const run = () =>
            reconcile(reconcileDeps(runtime), collection, {
              ids: options.ids,
              force: options.force,
              onProgress: options.onProgress,
              signal,
            })
          return options.ids ? run() : notedFullRun(runtime.state, collection.slug, run)
        },
        options.signal,
      ),
    // Done, failed or cancelled part-way: rows may have changed, and the console shows it next read.
  ).finally(() => forgetCounts(payload, collection.slug))
  if (!options.ids)
    runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
  await recordEvent(runtime, {
    action: options.action ?? 'sync',
    collectionSlug: collection.slug,
    outcome: summary.failed.length ? 'failed' : summary.guard ? 'refused' : 'ok',
    summary: `${options.ids ? `${options.ids.length} ids` : 'all'}: ${summary.upserted} upserted, ${summary.deleted} deleted, ${summary.unchanged} unchanged, ${summary.failed.length} failed`,
    ids: [...summary.diff.missing, ...summary.diff.extra, ...summary.diff.changed.map((c) => c.id)],
    fields: fieldsOf(summary.diff.changed),
    details: recordedSyncResult(summary),
    actor: options.actor,
  })
  return toSyncResult(summary)
}

export interface ResetResult {
  collection: string
  sync: SyncResult
}

/**
 * Rewrites every row from Payload, then deletes the rows without documents: the table is never empty
 * on the way. Refuses when Payload has no documents but the table has rows (a wrong database, an
 * unfinished import), unless `force`. Recorded when it starts and when it ends, also when it fails.
 */
export async function resetTable(
  payload: Payload,
  options: Omit<OperationOptions, 'ids'> & { confirm: boolean; force?: boolean },
): Promise<ResetResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  if (options.confirm !== true) {
    throw new SyncError(
      `supabase-sync: reset of "${collection.spec.table}" needs confirm: true (--yes)`,
      { collection: collection.slug, operation: 'reset' },
    )
  }
  const audit = (
    outcome: 'started' | 'ok' | 'failed' | 'refused' | 'cancelled',
    summary: string,
    details?: unknown,
  ) =>
    recordEvent(runtime, {
      action: 'reset',
      collectionSlug: collection.slug,
      outcome,
      summary,
      details,
      actor: options.actor,
    })
  await audit(
    'started',
    `reset of ${collection.spec.table} started: every row rewritten from Payload, then rows without documents deleted`,
  )
  try {
    if (!options.force) {
      const [documents, rows] = await Promise.all([
        payload
          .count({ collection: collection.slug, overrideAccess: true, trash: false } as never)
          .then((r) => r.totalDocs),
        runtime.target.count(collection.spec),
      ])
      // At least this many rows have no document and would go: beyond the mass-delete guard's
      // share (a Payload pointed at the wrong database, an import not run yet), nothing is done.
      const fraction = runtime.options.maxDeleteFraction
      if (rows > 0 && !deleteAllowed(Math.max(0, rows - documents), rows, fraction)) {
        const message =
          documents === 0
            ? `supabase-sync: refusing to reset "${collection.spec.table}": Payload has no ${collection.slug} documents but the table has ${rows} rows; pass force: true (--force) if that is intended`
            : `supabase-sync: refusing to reset "${collection.spec.table}": Payload has ${documents} ${collection.slug} documents but the table has ${rows} rows — at least ${rows - documents} would be deleted, more than ${Math.round(fraction * 100)}% of the table (maxDeleteFraction); pass force: true (--force) if that is intended`
        await audit('refused', message)
        throw new SyncError(message, { collection: collection.slug, operation: 'reset' })
      }
    }
    const summary = await exclusive(
      runtime.db,
      'sync',
      collection.slug,
      (signal) =>
        notedFullRun(runtime.state, collection.slug, () =>
          reconcile(reconcileDeps(runtime), collection, {
            rewrite: true,
            force: true,
            deleteOrphans: true,
            onProgress: options.onProgress,
            signal,
          }),
        ),
      options.signal,
    ).finally(() => forgetCounts(payload, collection.slug))
    runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
    const result: ResetResult = { collection: collection.slug, sync: toSyncResult(summary) }
    await audit(
      summary.failed.length ? 'failed' : 'ok',
      `reset: ${summary.upserted} rows rewritten, ${summary.deleted} deleted, ${summary.failed.length} failed`,
      { ...result, sync: recordedSyncResult(summary) },
    )
    return result
  } catch (error) {
    if (error instanceof CancelledError)
      await audit(
        'cancelled',
        `reset cancelled: ${error.progress.documents} of ${error.progress.total} documents rewritten, ${error.progress.deleted ? `${error.progress.deleted} rows without documents deleted` : 'no row deleted'}`,
        error.progress,
      )
    else if (!(error instanceof SyncError && error.operation === 'reset')) {
      // Busy, or failed on the way: recorded either way.
      await audit('failed', `reset failed: ${describeCause(error)}`)
    }
    throw error
  }
}
