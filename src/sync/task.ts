/**
 * The jobs task that delivers one document. The job carries only (collection, id): the handler reads
 * the document as it is when the job runs, so a job is idempotent, and the last one always writes the
 * latest state. Retries: p-retry in the target for blips, this job's retries (capped exponential
 * backoff) for outages; a permanent error ends the job at once with its cause.
 */
import { JobCancelledError, type TaskConfig } from 'payload'
import { isConflict } from '../target/classify.js'
import { SyncError } from '../errors.js'
import type { QueueOptions } from '../options.js'
import { logDelivered } from './deliver.js'
import { getRuntime } from './runtime.js'

import { syncTaskSlug } from './task-slug.js'

export { syncTaskSlug }

export const concurrencyKey = (collection: string, id: string) => `${collection}:${id}`

export interface SyncJobInput {
  collection: string
  id: string
}

/** Capped exponential backoff with jitter: a long outage never leaves a job waiting for hours. */
export function backoffDelay(totalTried: number, queue: Pick<QueueOptions, 'backoff' | 'maxBackoff'>, random = Math.random): number {
  const exponential = queue.backoff * 2 ** Math.max(0, totalTried)
  const capped = Math.min(queue.maxBackoff, exponential)
  // ±20% jitter so that a backlog does not come back as one thundering herd.
  return Math.round(capped * (0.8 + 0.4 * random()))
}

export function syncTask(queue: QueueOptions): TaskConfig {
  return {
    slug: syncTaskSlug,
    label: 'Sync to Supabase',
    inputSchema: [
      { name: 'collection', type: 'text', required: true },
      { name: 'id', type: 'text', required: true },
    ],
    outputSchema: [
      { name: 'op', type: 'text' },
      { name: 'outcome', type: 'text' },
      { name: 'ms', type: 'number' },
    ],
    // Payload applies no backoff itself (see onFail): attempts only.
    retries: { attempts: queue.attempts },
    // One job per document at a time. Older jobs of a document are superseded at run time (see
    // supersede.ts): Payload's own supersedes deadlocks bulk saves against its runner.
    concurrency: {
      key: ({ input }: { input?: Record<string, unknown> }) => concurrencyKey(String(input?.collection), String(input?.id)),
      exclusive: true,
      supersedes: false,
    },
    onFail: async ({ job }) => {
      // Payload's exponential backoff has no ceiling; set the next attempt ourselves.
      const next = new Date(Date.now() + backoffDelay(job.totalTried ?? 0, queue))
      job.waitUntil = next.toISOString()
    },
    handler: async ({ input, job, req }) => {
      const { collection, id } = input as SyncJobInput
      const runtime = getRuntime(req.payload)
      const attempt = (job.totalTried ?? 0) + 1
      const started = performance.now()
      try {
        // Looked up before the document is loaded: these jobs' changes are in what we deliver.
        const redundant = await runtime.superseder.pendingSiblings(concurrencyKey(collection, id), job.id)
        const result = await runtime.deliverer.deliver({ collection, id })
        if (redundant.length) {
          await runtime.superseder.drop(redundant).catch((err) => runtime.logger.debug({ err, collection, id }, 'could not drop superseded jobs'))
        }
        runtime.runner?.noteSuccess()
        logDelivered(runtime.logger, result, attempt, performance.now() - started, job.id)
        return { output: { op: result.op, outcome: result.outcome, ms: result.ms } }
      } catch (error) {
        const err = error instanceof SyncError ? error : new SyncError(String(error), { collection, id, operation: 'upsert', transient: true, cause: error })
        if (err.transient) runtime.runner?.noteFailure()
        const conflict = isConflict({ status: err.status ?? 0, code: err.code })
        // Only earlier conflicts count against the conflict budget, not failures of an outage.
        const conflictsSoFar = (job.log ?? []).filter((entry) => entry.state === 'failed' && /\(409\b/.test(String((entry.error as { message?: string } | undefined)?.message ?? ''))).length
        const retryable = err.transient || (conflict && conflictsSoFar < runtime.options.queue.conflictAttempts)
        runtime.logger.warn(
          { collection, id, op: err.operation, outcome: retryable ? 'retry' : 'failed', attempts: attempt, status: err.status, code: err.code, field: err.field, job: job.id },
          err.message,
        )
        // Payload's queue has one way to stop retries of a job: cancel it. Its error keeps the cause.
        if (!retryable) throw new JobCancelledError(`permanent: ${err.message}`)
        throw err
      }
    },
  } as TaskConfig
}
