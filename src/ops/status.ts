/** `status`: documents vs rows per collection, the sync jobs, Supabase's reachability, a pause. */
import type { Payload } from 'payload'
import { describeCause } from '../errors.js'
import { getRuntime } from '../lifecycle/registry.js'
import { deliveringCount } from '../queue/locks.js'
import type { FailedJob } from '../queue/jobs.js'
import type { WatchStatus } from '../realtime/watch.js'
import { toSyncResult, type SyncResult } from './options.js'
import { collectionCounts, type CountReuse } from './status-counts.js'

export interface StatusResult {
  collections: {
    collection: string
    table: string
    documents: number
    rows: number | null
    /** When `documents` and `rows` were counted (ISO): earlier than the read when reused (`reuseCounts`). */
    countedAt?: string
    lastReconcile?: SyncResult & { at?: string }
    /** Watched through Realtime (the `realtime` option): subscribed, reconnecting or unavailable, since when. */
    realtime?: { status: WatchStatus; error?: string; since: string }
    /**
     * Documents whose delivery failed for good: what **Retry all** (`retry` of the collection)
     * delivers. Optional so that a status built elsewhere (a test's, an older instance's) still fits.
     */
    failed?: number
  }[]
  jobs: {
    /** Waiting for delivery (due now, or waiting out a backoff). */
    pending: number
    /** Of those, waiting out a backoff after a failure. */
    retrying: number
    /** Being delivered right now, by any process. */
    processing: number
    /** Failed for good: retried by `sync` or the document's next save. */
    failed: number
    oldestPendingAgeMs: number | null
  }
  /** The 20 most recent failed deliveries (most recent first), with their causes. */
  failures: FailedJob[]
  supabase: { reachable: boolean; ms: number; error?: string }
  /** Delivery is paused: the endpoint refuses every request. */
  paused?: { reason: string; until: string }
}

export interface StatusOptions {
  /**
   * Reuse counts younger than `maxAgeMs` (the admin's refreshes: status-counts.ts); Supabase's
   * reachability is asked all the same. Default: count now.
   */
  reuseCounts?: CountReuse
}

export async function syncStatus(
  payload: Payload,
  options: StatusOptions = {},
): Promise<StatusResult> {
  const runtime = getRuntime(payload)
  const started = performance.now()
  let supabase: StatusResult['supabase'] = { reachable: true, ms: 0 }
  const collections: StatusResult['collections'] = []
  const failedDocuments = await runtime.jobs.failedDocuments()
  for (const collection of runtime.collections.values()) {
    const { documents, rows, countedAt, error } = await collectionCounts(
      payload,
      runtime,
      collection,
      options.reuseCounts,
    )
    if (error !== undefined) supabase = { reachable: false, ms: 0, error: describeCause(error) }
    const last = runtime.lastReconcile.get(collection.slug)
    collections.push({
      collection: collection.slug,
      table: collection.spec.table,
      documents,
      rows,
      countedAt,
      lastReconcile: last ? { ...toSyncResult(last), at: last.at } : undefined,
      realtime: runtime.watch?.status()[collection.slug],
      failed: failedDocuments.get(collection.slug) ?? 0,
    })
  }
  supabase.ms = Math.round(performance.now() - started)
  const [counts, processing, failures] = await Promise.all([
    runtime.jobs.counts(),
    deliveringCount(runtime.db),
    runtime.jobs.failed(20),
  ])
  const pause = runtime.runner?.pause
  return {
    collections,
    jobs: { ...counts, processing },
    failures,
    supabase,
    ...(pause
      ? { paused: { reason: pause.error.message, until: new Date(pause.until).toISOString() } }
      : {}),
  }
}
