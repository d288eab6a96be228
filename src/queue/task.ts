/**
 * The sync task in Payload's jobs config. The plugin's runner delivers the queue itself (queue/runner.ts);
 * this handler is for Payload's own runner — `/api/payload-jobs/run?queue=supabase-sync` from a
 * scheduler on serverless hosts — and delivers through the same path: the document locked, read as it
 * is now, written. Retries never run out for transient failures; a row-level failure ends the job.
 */
import { JobCancelledError, type Payload, type TaskConfig } from 'payload'
import type { Logger } from 'pino'
import { SyncError } from '../errors.js'
import type { QueueOptions } from '../options.js'
import type { SyncedCollection } from '../synced.js'
import { backoffDelay } from './backoff.js'
import { givenUpPrefix } from './cancelled.js'
import { notSyncedError } from './not-synced.js'
import type { Delivery } from './delivery.js'
import type { JobStore } from './jobs.js'
import { documentKey, syncTaskSlug, type SyncJobInput } from './keys.js'
import { deliverWithPartners } from './partners.js'
import { releaseStaleJobs } from './stale.js'

/** "Never give up" in Payload's terms: its retries are a count. */
const unlimitedAttempts = 1_000_000_000

export interface TaskDeps {
  delivery: Delivery
  jobs: JobStore
  logger: Logger
  collections: Map<string, SyncedCollection>
}

export function syncTask(
  queue: QueueOptions,
  /** The plugin running in the Payload the job runs in (undefined before it started). */
  deps: (payload: Payload) => TaskDeps | undefined,
): TaskConfig<{ input: SyncJobInput; output: { outcome: string } }> {
  return {
    slug: syncTaskSlug,
    label: 'Sync to Supabase',
    inputSchema: [
      { name: 'collection', type: 'text', required: true },
      { name: 'id', type: 'text', required: true },
      { name: 'pulled', type: 'text' },
    ],
    outputSchema: [{ name: 'outcome', type: 'text' }],
    retries: { attempts: unlimitedAttempts },
    // One job per document at a time in Payload's runner too. Older jobs of a document are completed by
    // the delivery that reads after them; Payload's own supersedes deadlocks bulk saves against its claims.
    concurrency: {
      key: ({ input }: { input?: Partial<SyncJobInput> }) =>
        documentKey(String(input?.collection), String(input?.id)),
      exclusive: true,
      supersedes: false,
    },
    onFail: async ({ job }) => {
      // Payload's exponential backoff has no ceiling; set the next attempt ourselves.
      job.waitUntil = new Date(Date.now() + backoffDelay(job.totalTried ?? 0, queue)).toISOString()
    },
    handler: async ({ input, job, req }) => {
      const { collection: slug, id } = input
      const running = deps(req.payload)
      const collection = running?.collections.get(slug)
      if (!running)
        throw new SyncError(`${slug} ${id}: supabase-sync is not running in this process yet`, {
          collection: slug,
          id,
          operation: 'load',
          kind: 'transient',
        })
      if (!collection) {
        const error = notSyncedError(slug, id)
        // Given up as the plugin's runner gives it up: recorded, then cancelled (Payload books it).
        await running.delivery.failedForGood(slug, [
          { key: documentKey(slug, id), collection: slug, id, error, jobs: [] },
        ])
        throw new JobCancelledError(`${givenUpPrefix}${error.message}`)
      }
      // Jobs a dead runner left processing (Payload has no recovery): pending again, now and then.
      await releaseStaleJobs(running.jobs, running.logger, Math.min(60_000, queue.staleAfter / 5))
      const options = { bookedElsewhere: String(job.id) }
      const first = await running.delivery.deliver(collection, [id], options)
      // A conflict: once more, with the documents that may hold the value (partners.ts).
      const report = (await deliverWithPartners(running, collection, first, options)) ?? first
      const outcome = report.outcomes.get(id)
      if (!outcome || outcome.outcome === 'busy') {
        throw new SyncError(
          `${slug} ${id}: another delivery of this document is under way; tried again later`,
          { collection: slug, id, operation: 'load', kind: 'transient' },
        )
      }
      if (outcome.outcome === 'failed') {
        const error =
          outcome.error ??
          new SyncError(`${slug} ${id}: delivery failed`, {
            collection: slug,
            id,
            operation: 'upsert',
            kind: 'transient',
          })
        // Payload's queue has one way to stop retries of a job: cancel it. Its error keeps the cause.
        if (
          error.kind === 'row' ||
          (error.kind === 'conflict' && (job.totalTried ?? 0) >= queue.conflictAttempts)
        ) {
          // Payload books the cancel itself and calls no hook after it: the Sync event the plugin's
          // runner records for a give-up is recorded here — unless booking the document's other
          // jobs in this delivery gave them up, and so recorded it, already.
          if (![first, report].some((r) => r.givenUp?.some((f) => f.id === id)))
            await running.delivery.failedForGood(slug, [
              { key: documentKey(slug, id), collection: slug, id, error, jobs: [] },
            ])
          throw new JobCancelledError(`${givenUpPrefix}${error.message}`)
        }
        throw error
      }
      return { output: { outcome: outcome.outcome } }
    },
  }
}
