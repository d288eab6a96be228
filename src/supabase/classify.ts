/**
 * What a failed request to Supabase means for the documents in it, from PostgREST's error mapping
 * (status and SQLSTATE). Pure: no I/O, so it is tested on its own.
 *
 * - `transient`: the same request can succeed later (network, gateway, overload, timeouts, lock and
 *   serialization failures). Delivery keeps trying, however long it takes.
 * - `endpoint`: the endpoint itself refuses every request (the key was rotated, the table or function
 *   is missing while a migration runs). Delivery pauses, names the cause, and cancels nothing.
 * - `conflict`: a unique value of another row (a slug freed by a delete not delivered yet): retried a
 *   bounded number of times.
 * - `row`: this row cannot be written as it is (a constraint it violates, a value of the wrong type).
 *   Trying again cannot help until the document or the mapper changes.
 * - `split`: a batch refused as a whole for a cause that lies in one of its rows (413, a row-level
 *   SQLSTATE), or timed out (57014) once its retries are spent: split it until the bad rows stand alone.
 */

import type { FailureKind } from '../errors.js'

export type { FailureKind }

export interface FailureInfo {
  /** HTTP status; 0 when no response arrived. */
  status: number
  /** PostgREST or PostgreSQL code from the error body. */
  code?: string | null
  /** Rows the request carried: a request-level failure of several rows may be one row's fault. */
  rows?: number
  /** The failure was reported for one row by the apply function, not for the request. */
  perRow?: boolean
}

/** SQLSTATEs that say "try again": statement timeout, shutdown, resources, connection, serialization, deadlock, lock timeout. */
export function isTransientSqlState(code: string | null | undefined): boolean {
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return false
  return (
    code === '57014' ||
    code.startsWith('57P0') ||
    code.startsWith('53') ||
    code.startsWith('08') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  )
}

/**
 * SQLSTATE classes whose cause is in the data of a row: bad values, constraints, program limits, raised
 * errors, a trigger's refusal (09, 27), a key twice in one statement (21000: ON CONFLICT cannot
 * affect a row a second time), a view's check option (44).
 */
function isRowSqlState(code: string | null | undefined): boolean {
  if (!code || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('PGRST')) return false
  if (['42P01', '42883', '42501', '42P17', '42703'].includes(code)) return false
  return /^(22|23|42|54|P0|2F|39|09|21|27|44)/.test(code)
}

/**
 * Codes that refuse every request whatever its rows, answered with a 5xx or a status of their own:
 * two functions of the apply function's name (PGRST203, 300, after an upgrade left the old one), a
 * read-only database (25006, 405: a replica, a project in read-only mode), a row-level policy that
 * recurses (42P17, 500), a column the rows name that the table lacks (42703: the apply function's
 * PGRST204, a mapper ahead of a migration).
 */
function isEndpointCode(status: number, code: string | null | undefined): boolean {
  return (
    code === 'PGRST203' ||
    code === '25006' ||
    code === '42P17' ||
    code === '42703' ||
    status === 405
  )
}

/**
 * Answers of the platform in front of PostgREST that refuse every request until someone acts: 402
 * (service restriction: a quota exceeded, a payment overdue), 540 (the project is paused), and
 * PGRST106 (the Data API is off, or does not expose the schema `public`). As `row` they split every
 * batch into single rows and gave each up for good; as a 5xx, 540 was retried for ever, unnamed.
 */
export function platformRefusal(
  status: number,
  code: string | null | undefined,
): string | undefined {
  // A function's or trigger's own status (`raise … using detail = '402'` gives PT402) is about its row.
  if (code?.startsWith('PT')) return undefined
  if (status === 402)
    return 'Supabase restricts the project (402: a quota exceeded or a payment overdue; see the organization billing)'
  if (status === 540) return 'the Supabase project is paused: restore it in the dashboard'
  if (code === 'PGRST106')
    return "Supabase's Data API does not expose the schema public (Project Settings → Data API: enable it, add public to the exposed schemas)"
  return undefined
}

/** The endpoint itself is refusing: wrong or rotated key, missing table or function, missing column mid-migration. */
function isEndpointFailure(status: number, code: string | null | undefined): boolean {
  if (status === 401) return true
  if (status === 403) return true
  if (
    code === 'PGRST205' ||
    code === 'PGRST202' ||
    code === 'PGRST204' ||
    code === '42P01' ||
    code === '42883'
  )
    return true
  if (code === 'PGRST301' || code === 'PGRST302') return true
  return status === 404
}

export function classifyFailure({ status, code, perRow = false }: FailureInfo): FailureKind {
  // Refused for its deadline (sql/002): nothing was written; the next try has a new one.
  if (code === 'SYNDL') return 'transient'
  if (isTransientSqlState(code)) return 'transient'
  if (code && /^PGRST00[0-3]$/.test(code)) return 'transient'
  if (code === '23505' || code === '23503') return 'conflict'
  // Before a row's own failure: a read-only database refuses every row of a batch one by one (the
  // apply function reports each), and that is no reason to give any of them up.
  if (isEndpointCode(status, code) || platformRefusal(status, code)) return 'endpoint'
  if (perRow) return 'row'
  if (status === 0) return 'transient'
  if (status === 408 || status === 425 || status === 429) return 'transient'
  if (status === 409) return 'conflict'
  if (status >= 500) return isRowSqlState(code) ? 'row' : 'transient'
  if (isEndpointFailure(status, code)) return 'endpoint'
  // PostgREST names every error it answers; a 4xx without a code is a gateway's, about the request
  // or the project, not about a row (but a body or a URL too large is the batch's size).
  if (!code && status >= 400 && status < 500 && status !== 413 && status !== 414) return 'endpoint'
  return 'row'
}

/**
 * A request of several rows refused as a whole, for a reason that may lie in one row (413, a row-level
 * SQLSTATE, a plain 400): split it so that the good rows pass and the bad ones fail alone.
 */
export function shouldSplit(info: FailureInfo): boolean {
  if ((info.rows ?? 1) <= 1) return false
  if (info.status === 413) return true
  // A statement timeout of a batch can be the batch's size (slow triggers, a row-by-row fallback in
  // the apply function, which its exception handler cannot shorten): tried again whole, it would
  // time out forever. Halves are smaller requests, each retried on its own. So with a call that
  // still ran past its deadline (SYNDL, sql/002) when its retries are spent.
  if (info.code === '57014' || info.code === 'SYNDL') return true
  const kind = classifyFailure(info)
  return kind === 'row' || kind === 'conflict'
}

/**
 * Whether a call of one of sql/'s functions failed because no function of that name takes those
 * arguments: not installed, or older than the plugin (PGRST202 names the arguments it looked for).
 */
export function functionMissing(
  status: number | undefined,
  code: string | null | undefined,
): boolean {
  return status === 404 || code === 'PGRST202' || code === '42883'
}

/** Kept for callers that only need the yes/no of "worth another try soon". */
export function isTransient(info: FailureInfo): boolean {
  return classifyFailure(info) === 'transient'
}

/** A unique violation on a column other than the conflict target: may resolve once earlier changes land. */
export function isConflict({ status, code }: FailureInfo): boolean {
  return status === 409 || code === '23505'
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), undefined when absent or bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
