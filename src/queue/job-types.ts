/** The jobs of the sync task as the plugin reads and books them (queue/jobs.ts). */
import type { SyncError } from '../errors.js'

/**
 * What a job's `error` holds: the last failure, structured (no message parsing). The plugin always
 * writes a message and a kind; Payload's own `payload.jobs.cancel()` / `cancelByID()` write
 * `{ cancelled: true }` alone (and set hasError), so a reader must not count on either.
 */
export interface JobError {
  message?: string
  kind?: SyncError['kind']
  /** Cancelled with Payload's jobs API: no message, no kind. */
  cancelled?: boolean
  operation?: string
  status?: number
  code?: string
  field?: string
  /** Conflicts (409) so far: they are retried `queue.conflictAttempts` times. */
  conflicts?: number
  /** Runners that died on the job (released as stale) so far. */
  deaths?: number
  at: string
}

export interface JobRow {
  id: string
  key: string
  totalTried: number
  hasError: boolean
  error: JobError | null
  /** When it was queued (ISO): for a save's job, about when the save committed. */
  createdAt: string
  /** A pull's save: the fingerprint of the row the pull took (SyncJobInput.pulled). */
  pulled?: string
}

export interface DueDocument {
  key: string
  collection: string
  id: string
}

export interface Failure {
  key: string
  collection: string
  id: string
  error: SyncError
  /** The document's jobs; none for a failure of the reconcile or an operation (a job is queued for it). */
  jobs: JobRow[]
  /** Retry after this long instead of the job's backoff (a pause). */
  waitMs?: number
}

export interface JobCounts {
  /** Due now or waiting out a backoff. */
  pending: number
  /** Of those, waiting out a backoff after a failure. */
  retrying: number
  /** Failed for good (a row Supabase refuses, a mapping error): retried by `sync` or the document's next save. */
  failed: number
  oldestPendingAgeMs: number | null
}

export interface FailedJob {
  collection: string
  id: string
  error: JobError | null
  totalTried: number
  updatedAt: string
}
