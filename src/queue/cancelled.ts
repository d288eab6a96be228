/**
 * Jobs cancelled with Payload's jobs API (`payload.jobs.cancel()` / `cancelByID()`, or the jobs
 * collection in the admin): Payload writes `error: { cancelled: true }` and `hasError`, and never runs
 * them again. Nothing failed — an operator stopped them — so they count neither as failed deliveries
 * nor as pending ones; what Supabase holds for the document is then told by the comparison.
 *
 * Not every cancelled job: Payload's own runner has one way to end a job for good, a
 * `JobCancelledError`, and the plugin's task throws one for a delivery that failed for good
 * (queue/task.ts), which Payload books as `{ cancelled: true, message: 'permanent: …' }`. Those did
 * fail, and stay failed deliveries.
 */
import type { JobError } from './job-types.js'

/** How the plugin's task begins the message of a delivery it gives up through Payload's runner. */
export const givenUpPrefix = 'permanent: '

export function cancelledByJobsApi(error: JobError | null | undefined): boolean {
  if (error?.cancelled !== true) return false
  return !(typeof error.message === 'string' && error.message.startsWith(givenUpPrefix))
}

/** The same test in SQL, of a jobs row's `error` column (jsonb). */
export function cancelledByJobsApiSql(errorColumn: string): string {
  return `(coalesce(${errorColumn}->>'cancelled', '') = 'true' and coalesce(${errorColumn}->>'message', '') not like '${givenUpPrefix}%')`
}
