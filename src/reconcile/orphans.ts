/**
 * The end of a reconcile: rows without documents are deleted through the delivery path (which finds
 * each document still gone), behind the mass-delete guard.
 */
import { MassDeleteError } from '../errors.js'
import type { SyncedCollection } from '../synced.js'
import { deleteAllowed } from './diff.js'
import type { ReconcileDeps, ReconcileOptions, ReconcileSummary } from './types.js'

/** Rows without documents: deleted through the delivery path (which finds each document still gone), behind the guard. */
export async function deleteOrphans(
  deps: ReconcileDeps,
  collection: SyncedCollection,
  extras: string[],
  /** Count the table's rows for the guard (the scan's count is no table count: scoped, or ranges overlapped). */
  countTable: boolean,
  opts: ReconcileOptions,
  summary: ReconcileSummary,
  busy: string[],
  /** Throws when the run is cancelled: checked before the guard's count and between batches. */
  stopIfCancelled: () => Promise<void>,
): Promise<void> {
  if (!(opts.deleteOrphans ?? deps.deleteOrphans)) {
    summary.orphansKept = extras.length
    return
  }
  await stopIfCancelled()
  const tableRows = countTable ? await deps.target.count(collection.spec) : summary.rows
  if (!opts.force && !deleteAllowed(extras.length, tableRows, deps.maxDeleteFraction)) {
    const refusal = new MassDeleteError(
      collection.slug,
      extras.length,
      tableRows,
      deps.maxDeleteFraction,
    )
    summary.guard = refusal.message
    summary.orphansKept = extras.length
    deps.logger.warn(
      { collection: collection.slug, wouldDelete: extras.length, tableRows },
      refusal.message,
    )
    return
  }
  for (let i = 0; i < extras.length; i += 1000) {
    await stopIfCancelled()
    const report = await deps.delivery.deliver(collection, extras.slice(i, i + 1000))
    for (const o of report.outcomes.values()) {
      if (o.outcome === 'deleted') summary.deleted++
      else if (o.outcome === 'written') summary.upserted++
      else if (o.outcome === 'failed') {
        summary.orphansKept++
        summary.failed.push({
          id: o.id,
          message: o.error?.message ?? 'failed',
          code: o.error?.code,
        })
      } else if (o.outcome === 'busy') busy.push(o.id)
    }
  }
}
