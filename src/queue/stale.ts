/**
 * Jobs that Payload's runner marked processing and never finished: its process died (a serverless
 * function killed at its time limit). Payload has no recovery for them, and with concurrency control
 * it skips every later job of the same document behind one — the document would not be delivered
 * again until a reconcile. They are released (pending again) when this process starts, by the sync
 * task now and then, and with the next save of their document (sync-hooks.ts).
 */
import type { Logger } from 'pino'
import type { JobStore } from './jobs.js'

const lastRelease = new WeakMap<JobStore, number>()

/** Releases stale jobs and says so; never throws. `atMostEveryMs`: skip when this store did lately. */
export async function releaseStaleJobs(
  jobs: JobStore,
  logger: Logger,
  atMostEveryMs = 0,
): Promise<number> {
  const now = Date.now()
  if (now - (lastRelease.get(jobs) ?? -Infinity) < atMostEveryMs) return 0
  lastRelease.set(jobs, now)
  try {
    const released = await jobs.releaseStale()
    if (released)
      logger.warn(
        { op: 'release', released },
        `supabase-sync: ${released} sync jobs were left processing by a runner that died; pending again`,
      )
    return released
  } catch (err) {
    logger.warn({ err }, 'supabase-sync: could not release stale sync jobs')
    return 0
  }
}
