/**
 * The edge between node:http and the handler's shapes: a request's whole body in, an `ApiResponse`
 * out, with the header and body rules PostgREST's answers follow.
 */
import type http from 'node:http'
import type { ApiResponse } from './context.js'
import { CORS_EXPOSED } from './cors.js'
import { ApiError } from './errors.js'

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  response: ApiResponse,
): void {
  if (res.destroyed || res.headersSent) return
  const headers: Record<string, string> = { ...response.headers }
  if (req.headers.origin) {
    headers['Access-Control-Allow-Origin'] = '*'
    headers['Access-Control-Expose-Headers'] = CORS_EXPOSED
  }
  // HEAD answers carry the headers of the GET but no body and no length (Response.hs, headersOnly);
  // 204 has no length either, while an empty 201/200 says `Content-Length: 0`.
  const body = req.method === 'HEAD' || response.status === 204 ? undefined : (response.body ?? '')
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body))
  try {
    res.writeHead(response.status, headers)
  } catch (error) {
    // A header value Node refuses (a stray non-ASCII character): answer, rather than leave the client hanging.
    const fallback = JSON.stringify(
      new ApiError(
        500,
        'PGRSTX00',
        `Invalid response header in the stand-in: ${String(error)}`,
      ).body(),
    )
    res.writeHead(500, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(fallback)),
    })
    res.end(fallback)
    return
  }
  res.end(body)
}
