/**
 * A delivery whose bookkeeping did not commit (Payload's database failed, or its connection died):
 * nothing is completed, the jobs stay, and the next delivery does it again. Each document not
 * already busy or failed is reported failed, transiently, saying why. Pure but for the report.
 */
import { describeCause, SyncError } from '../errors.js'
import type { SyncedCollection } from '../synced.js'
import type { DeliveryReport, DocumentOutcome } from './outcomes.js'

/** Sets the outcome of each such document in `report`; returns those outcomes. */
export function uncommitted(
  collection: SyncedCollection,
  ids: readonly string[],
  report: DeliveryReport,
  cause: unknown,
): DocumentOutcome[] {
  const failed: DocumentOutcome[] = []
  for (const id of ids) {
    const previous = report.outcomes.get(id)
    if (previous?.outcome === 'busy' || previous?.outcome === 'failed') continue
    const outcome: DocumentOutcome = {
      id,
      op: previous?.op ?? 'none',
      outcome: 'failed',
      fields: previous?.fields,
      error: new SyncError(
        `${collection.slug} ${id}: the delivery could not be committed in Payload's database: ${describeCause(cause)}`,
        { collection: collection.slug, id, operation: 'commit', kind: 'transient', cause },
      ),
    }
    report.outcomes.set(id, outcome)
    failed.push(outcome)
  }
  return failed
}
