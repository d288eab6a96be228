/**
 * Documents that trade a unique value (A renamed into B's slug, B into A's, both waiting out an
 * outage) go through only in one statement: alone, each conflicts with the other's row, however often
 * it is tried. They need not be due at once, and Payload's runner delivers one job at a time. So after
 * a delivery with conflicts, the conflicting documents are delivered once more together with the
 * collection's other documents whose deliveries failed before and wait to be tried again — the
 * partner is among them (sql/002 writes rows refused one by one for a unique value together).
 */
import type { Logger } from 'pino'
import type { SyncedCollection } from '../synced.js'
import type { DeliverOptions, Delivery, DeliveryReport } from './delivery.js'
import type { JobStore } from './jobs.js'

/** Documents delivered beside a conflict at most: the partners of a swap are few. */
const partnersAtMost = 100

/** The second delivery's report, or undefined when the first had no conflict or there is no partner. */
export async function deliverWithPartners(
  deps: { delivery: Delivery; jobs: JobStore; logger: Logger },
  collection: SyncedCollection,
  report: DeliveryReport,
  options: DeliverOptions = {},
): Promise<DeliveryReport | undefined> {
  const conflicted = [...report.outcomes.values()]
    .filter((o) => o.outcome === 'failed' && o.error?.kind === 'conflict')
    .map((o) => o.id)
  if (!conflicted.length) return undefined
  try {
    const partners = await deps.jobs.retrying(collection.slug, partnersAtMost, conflicted)
    if (!partners.length) return undefined
    return await deps.delivery.deliver(collection, [...conflicted, ...partners], options)
  } catch (err) {
    // An extra try: the conflicts are booked already and will be tried again anyway.
    deps.logger.warn(
      { err, collection: collection.slug },
      'supabase-sync: delivering conflicting documents together failed',
    )
    return undefined
  }
}
