/**
 * Answers built the way PostgREST's Response.hs builds them: error bodies, and the status and
 * Content-Range of a read (RangeQuery.rangeStatusHeader).
 */
import type { ApiRequest, ApiResponse } from './context.js'
import { ApiError } from './errors.js'
import { JSON_TYPE, type Media } from './media.js'
import { contentRange, type RowRange } from './range.js'
import type { ResultRow } from './transaction.js'

export function errorResponse(error: ApiError): ApiResponse {
  return {
    status: error.status,
    headers: {
      'Content-Type': JSON_TYPE,
      'Proxy-Status': `PostgREST; error=${error.code}`,
      ...error.headers,
    },
    body: JSON.stringify(error.body()),
  }
}

/**
 * Status and Content-Range of a read (RangeQuery.rangeStatusHeader): 200 without a count; with one,
 * 206 when the page is not all of it, 416 when the offset is past the end. `range` is the range the
 * client asked for (iTopLevelRange), not the one max-rows cut it to: the rows that came back decide
 * the upper bound, so a page cut by max-rows is a 206 when the total is known.
 */
export function readAnswer(
  req: ApiRequest,
  range: RowRange,
  row: ResultRow,
  headers: Record<string, string>,
  media: Media,
): ApiResponse {
  const lower = range.lower
  const upper = lower + row.pageTotal - 1
  const total = row.total ?? undefined
  let status = 200
  if (total !== undefined) {
    if (lower > total) status = 416
    else if (1 + upper - lower < total) status = 206
  }
  const allHeaders = { 'Content-Range': contentRange(lower, upper, total), ...headers }
  if (status === 416) {
    const error = new ApiError(
      416,
      'PGRST103',
      'Requested range not satisfiable',
      `An offset of ${lower} was requested, but there are only ${total ?? 0} rows.`,
    )
    return {
      status,
      headers: { ...allHeaders, 'Content-Type': JSON_TYPE },
      body: JSON.stringify(error.body()),
    }
  }
  return {
    status,
    headers: { ...allHeaders, 'Content-Type': media.contentType },
    body: req.method === 'HEAD' ? undefined : row.body,
  }
}
