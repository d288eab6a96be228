/**
 * CORS as PostgREST answers it, so that supabase-js in a browser (the admin) can read every header
 * it needs: the headers exposed on each answer, and the preflight.
 */
import type http from 'node:http'
import type { ApiResponse } from './context.js'

/** Added to every answer to a request with an Origin, next to `Access-Control-Allow-Origin: *`. */
export const CORS_EXPOSED =
  'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit, Preference-Applied'

/** The answer to an OPTIONS request: it allows the headers the browser asks for. */
export function preflightResponse(req: http.IncomingMessage): ApiResponse {
  return {
    status: 200,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD',
      'Access-Control-Allow-Headers': String(
        req.headers['access-control-request-headers'] ??
          'Authorization, apikey, Content-Type, Prefer, Range',
      ),
      'Access-Control-Max-Age': '86400',
    },
  }
}
