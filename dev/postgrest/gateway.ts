/**
 * Answers of the layers in front of PostgREST on a hosted project, which carry no PostgREST error
 * body and no code: the platform's JSON (402 service restriction, 540 project paused) and a CDN's
 * HTML error page (52x), which supabase-js hands over whole as the error's message.
 */
import { STATUS_CODES } from 'node:http'
import type { ApiResponse } from './context.js'

export type GatewayBody = 'json' | 'html'

export function gatewayResponse(
  status: number,
  kind: GatewayBody,
  message?: string,
  headers: Record<string, string> = {},
): ApiResponse {
  const reason = STATUS_CODES[status] ?? 'Error'
  if (kind === 'json') {
    return {
      status,
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: message ?? reason }),
    }
  }
  // A CDN's page is several KB of markup around one title.
  const filler = '<div class="cf-section"><p>Please try again in a few minutes.</p></div>\n'.repeat(
    80,
  )
  return {
    status,
    headers: { ...headers, 'Content-Type': 'text/html; charset=UTF-8' },
    body: `<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<title>xyz.supabase.co | ${status}: ${message ?? reason}</title>\n<meta charset="UTF-8" />\n</head>\n<body>\n<h1>Error ${status}</h1>\n${filler}</body>\n</html>\n`,
  }
}

/** nginx's answer to a request line past its buffer: no PostgREST error body, no code. */
export const uriTooLong: ApiResponse = {
  status: 414,
  headers: { 'Content-Type': 'text/html' },
  body: '<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n</body>\r\n</html>\r\n',
}
