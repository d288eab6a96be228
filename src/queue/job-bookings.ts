/**
 * Booking failed deliveries on their jobs, in one statement: a transient or endpoint failure waits out
 * a capped backoff and is tried again, however long it takes; a conflict likewise, `conflictAttempts`
 * times; a row-level failure marks the jobs failed, with the cause.
 */
import type { QueueOptions } from '../options.js'
import { backoffDelay } from './backoff.js'
import { cancelledByJobsApiSql } from './cancelled.js'
import type { Sql } from './database.js'
import type { Failure, JobError, JobRow } from './job-types.js'
import type { JobsTable } from './jobs-table.js'
import { documentKey } from './keys.js'

/**
 * Books `failures` on their jobs, or on `created` (the jobs just queued for the failures of documents
 * that had none). Returns the failures given up (failed for good).
 */
export async function bookFailures(
  sql: Sql,
  table: JobsTable,
  queue: QueueOptions,
  failures: readonly Failure[],
  created: readonly JobRow[],
): Promise<Failure[]> {
  const givenUp: Failure[] = []
  const byKey = new Map<string, JobRow[]>()
  for (const job of created) byKey.set(job.key, [...(byKey.get(job.key) ?? []), job])
  const ids: string[] = []
  const errors: string[] = []
  const failed: boolean[] = []
  const waits: number[] = []
  const at = new Date().toISOString()
  for (const failure of failures) {
    const jobs = failure.jobs.length
      ? failure.jobs
      : (byKey.get(documentKey(failure.collection, failure.id)) ?? [])
    const tried = Math.max(0, ...jobs.map((job) => job.totalTried))
    const conflicts =
      failure.error.kind === 'conflict'
        ? Math.max(0, ...jobs.map((job) => job.error?.conflicts ?? 0)) + 1
        : undefined
    const giveUp =
      failure.error.kind === 'row' ||
      (conflicts !== undefined && conflicts > queue.conflictAttempts)
    if (giveUp) givenUp.push(failure)
    const { message, operation, status, code, field, kind } = failure.error
    const error: JobError = { message, kind, operation, status, code, field, conflicts, at }
    for (const job of jobs) {
      ids.push(job.id)
      errors.push(JSON.stringify(error))
      failed.push(giveUp)
      waits.push(giveUp ? 0 : (failure.waitMs ?? backoffDelay(tried, queue)))
    }
  }
  const { c } = table
  await sql.query(
    `update ${table.name} j set ${c.totalTried} = coalesce(j.${c.totalTried}, 0) + 1, ${c.hasError} = v.failed, ${c.error} = v.error, ` +
      `${c.waitUntil} = case when v.failed then null else now() + make_interval(secs => v.wait / 1000.0) end, ${c.processing} = false, ${c.updatedAt} = now() ` +
      `from unnest($1::${table.idType}[], $2::jsonb[], $3::boolean[], $4::float8[]) as v(id, error, failed, wait) where j.${c.id} = v.id ` +
      // A job cancelled with Payload's jobs API since the delivery read it (an operator stopped it
      // while it ran) stays cancelled: booked over, it would be tried again.
      `and not ${cancelledByJobsApiSql(`j.${c.error}`)}`,
    [ids, errors, failed, waits],
  )
  return givenUp
}
