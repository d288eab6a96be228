/**
 * Which Supabase failures are worth retrying (see PostgREST's error table): network failures, gateway
 * errors, 503/504, 429, and 500s that PostgreSQL marks as retryable (serialization failure, deadlock,
 * admin shutdown). Everything else is permanent: retrying a 400 or 409 cannot make it pass.
 * Pure: no I/O, so it is tested on its own.
 */

export interface FailureInfo {
  /** HTTP status; 0 when no response arrived. */
  status: number
  /** PostgREST or PostgreSQL code from the error body. */
  code?: string | null
}

const retryableSqlStates = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '55P03', '53300'])

export function isTransient({ status, code }: FailureInfo): boolean {
  if (status === 0) return true
  if (status === 429 || status === 502 || status === 503 || status === 504) return true
  if (status >= 520 && status <= 529) return true
  if (status === 500) return code != null && (retryableSqlStates.has(code) || code.startsWith('08'))
  // PGRST000-003: PostgREST could not reach its database or get a connection.
  if (code && /^PGRST00[0-3]$/.test(code)) return true
  return false
}

/**
 * A unique violation on a column other than the conflict target (typically a slug freed by a delete
 * that has not arrived yet) can resolve itself once earlier changes land: a durable queue may retry it
 * a bounded number of times.
 */
export function isConflict({ status, code }: FailureInfo): boolean {
  return status === 409 || code === '23505'
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
