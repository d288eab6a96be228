/**
 * The failures the randomized convergence test (test/convergence.property.test.ts) lets its
 * operations meet: editors meet them too, and they are Payload's or the network's, not the plugin's.
 * What such a failure committed (or rolled back) is still Payload's state, which the test compares
 * Supabase with at the end. Anything else fails the case.
 */
import type { Op } from './convergence-ops.js'

/** An error's message with its cause's (drizzle's "Failed query" keeps PostgreSQL's reason there). */
export const messageOf = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${error.cause instanceof Error ? ` (cause: ${error.cause.message})` : ''}`
    : String(error)

/**
 * A save that meets a trade of slugs under way (two trades with a dealer in common, or an edit of a
 * dealer whose slug a trade is taking): Payload refuses it on its own unique check, committing
 * nothing. The editors' business, not the plugin's; anything else is rethrown.
 */
export function tolerateSlugRace(error: unknown): void {
  if (!/field is invalid: slug/.test(String((error as Error)?.message ?? error))) throw error
}

/**
 * Expected failures of a random operation (a document deleted meanwhile, Supabase down during a
 * reconcile). Payload's update of a document that the other instance deletes between the update's
 * read and its write crashes in Payload itself: its `db.updateOne` finds no row and returns null,
 * which afterRead then reads ("Cannot read properties of null (reading 'id')").
 */
export const tolerated =
  /not found|Not Found|NotFound|could not be found|fetch failed|ECONNREFUSED|failed \((0|5\d\d|429)|read failed|socket hang up|terminated|child process exited|already running|Cannot read properties of null \(reading 'id'\)/i

/**
 * A document's failure in a bulk operation, as Payload reports it (test/support/bulk-ops.ts): a
 * statement failing in the database — one slug given to several dealers; a deadlock with another
 * operation saving the same documents (seen: a bulk delete of posts, `delete from "posts"`, and a
 * bulk publish of them, `UPDATE "_posts_v" SET latest = false`, Payload's statements both) — aborts
 * the transaction, every statement after it fails too, and PostgreSQL rolls all of it back at the
 * commit. Payload keeps only drizzle's message of each document's error ("Failed query: …", the
 * cause dropped), or names the fields of a unique index ("field is invalid: _locale, _parent_id",
 * seen in a bulk trash of posts, which reads the documents' latest versions: one listed twice is
 * written twice in the transaction).
 */
export const toleratedInBulk = (message: string): boolean =>
  tolerated.test(message) ||
  /^Failed query: |deadlock detected|current transaction is aborted|field is invalid: |Value must be unique/.test(
    message,
  )

/**
 * Rethrows what a random operation of this batch may not fail with. A save that meets a bulk
 * operation over the same documents may deadlock with it in Payload's own statements (the same
 * pair): PostgreSQL aborts one — only in a batch with a bulk operation, as one-document saves of
 * the test never deadlocked.
 */
export function toleratedIn(batch: readonly Op[], error: unknown): void {
  const message = messageOf(error)
  if (tolerated.test(message)) return
  if (/deadlock detected/.test(message) && batch.some((op) => op.t.startsWith('bulk'))) return
  throw error
}
