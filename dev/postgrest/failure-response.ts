/**
 * The answer `failNext` gives: a PostgREST-shaped error (with PostgREST's code for the status, when it
 * has one), or the platform's or a CDN's own page (`gateway`). A 429 always says when to come back.
 */
import { STATUS_CODES } from 'node:http'
import type { ApiResponse } from './context.js'
import { ApiError } from './errors.js'
import type { FailNextOptions } from './fault-api.js'
import { gatewayResponse } from './gateway.js'

const DEFAULT_BODIES: Record<number, { code: string; message: string }> = {
  500: { code: 'XX000', message: 'Internal Server Error' },
  503: { code: 'PGRST000', message: 'Database connection error.' },
  504: { code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.' },
}

export function failureResponse(
  options: { status: number } & FailNextOptions,
): ApiError | ApiResponse {
  const { status, retryAfter, code, message, gateway } = options
  if (gateway)
    return gatewayResponse(
      status,
      gateway,
      message,
      retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    )
  const defaults = DEFAULT_BODIES[status] ?? {
    code: String(status),
    message: STATUS_CODES[status] ?? 'Error',
  }
  const headers: Record<string, string> = {}
  if (retryAfter !== undefined || status === 429) headers['Retry-After'] = String(retryAfter ?? 1)
  return new ApiError(
    status,
    code ?? defaults.code,
    message ?? defaults.message,
    null,
    null,
    headers,
  )
}
