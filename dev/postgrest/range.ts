/**
 * Which rows a read returns, after PostgREST's RangeQuery.hs: `limit`/`offset` and the Range header
 * (getRanges), the server's `db-max-rows` (restrictRange, applied by Plan.treeRestrictRange), and
 * the Content-Range header.
 */
import { ApiError } from './errors.js'
import type { ParsedQuery } from './query.js'

/** Rows lower..upper (inclusive, 0-based); upper undefined means "to the end". */
export interface RowRange {
  lower: number
  upper?: number
}

export const ALL_ROWS: RowRange = { lower: 0 }

function rangeNotSatisfiable(details: string): ApiError {
  return new ApiError(416, 'PGRST103', 'Requested range not satisfiable', details)
}

/**
 * The rows a request asks for: the intersection of `limit`/`offset` and, for GET only (RFC 9110),
 * the `Range: first-last` header (PostgREST's ApiRequest.getRanges).
 */
export function topLevelRange(
  query: Pick<ParsedQuery, 'limit' | 'offset'>,
  rangeHeader: string | undefined,
  method: string,
): RowRange {
  let header: RowRange | 'empty' = ALL_ROWS
  if (method === 'GET' && rangeHeader) {
    const m = /^(\d+)-(\d*)$/.exec(rangeHeader.trim())
    if (m) {
      const lower = Number(m[1])
      const upper = m[2] === '' ? undefined : Number(m[2])
      header = upper !== undefined && upper < lower ? 'empty' : { lower, upper }
    }
  }
  const offset = query.offset ?? 0
  const limitRange: RowRange =
    query.limit === undefined
      ? { lower: offset }
      : { lower: offset, upper: offset + query.limit - 1 }
  // `limit=0` is allowed (an empty result), although it makes an empty range.
  if (query.limit === 0 && offset === 0) return { lower: 0, upper: -1 }
  if (header === 'empty') {
    throw rangeNotSatisfiable(
      'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    )
  }
  const lower = Math.max(header.lower, limitRange.lower)
  const uppers = [header.upper, limitRange.upper].filter((u): u is number => u !== undefined)
  const upper = uppers.length ? Math.min(...uppers) : undefined
  if (upper !== undefined && upper < lower) {
    // PostgREST blames the limit whenever the Range header itself was well-formed.
    throw rangeNotSatisfiable('Limit should be greater than or equal to zero.')
  }
  return { lower, upper }
}

/** `Content-Range: first-last/total`, `*` for an empty page or an unknown total (RangeQuery.contentRangeH). */
export function contentRange(lower: number, upper: number, total: number | undefined): string {
  const totalString = total === undefined ? '*' : String(total)
  const rangeString = total !== 0 && lower <= upper ? `${lower}-${upper}` : '*'
  return `${rangeString}/${totalString}`
}

/**
 * The range a read plan actually runs with under `db-max-rows` (RangeQuery.restrictRange): at most
 * `maxRows` rows from the requested offset. `limit=0` stays an empty page (convertToLimitZeroRange).
 * Statuses and Content-Range keep using the requested range: only its lower bound matters there.
 */
export function restrictRange(range: RowRange, maxRows: number | undefined): RowRange {
  if (maxRows === undefined) return range
  const cap = range.lower + maxRows - 1
  return { lower: range.lower, upper: range.upper === undefined ? cap : Math.min(range.upper, cap) }
}
