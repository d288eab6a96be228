/**
 * Token checks as Supabase Realtime makes them: RealtimeWeb.ChannelsAuthorization.authorize_conn/3
 * (lib/realtime_web/channels/auth/channels_authorization.ex: the token is URI-decoded and stripped of
 * whitespace, verified with the project's JWT secret, and must carry `role` and `exp`), with the
 * messages the socket connect (lib/realtime_web/channels/user_socket.ex `error_response/1`) and the
 * channel join (realtime_channel.ex, `log_error`/`maybe_log_warning` → `"<Code>: <message>"`) answer.
 */
import type { Duplex } from 'node:stream'
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'

export type TokenError =
  | { kind: 'missing_api_key' }
  | { kind: 'expired_token'; secondsAgo: number }
  | { kind: 'missing_claims' }
  | { kind: 'token_malformed' }
  | { kind: 'signature_error' }

export type TokenResult =
  { ok: true; claims: JWTPayload & { role: string } } | { ok: false; error: TokenError }

export async function verifyToken(token: unknown, secret: string): Promise<TokenResult> {
  if (typeof token !== 'string') return { ok: false, error: { kind: 'missing_api_key' } }
  let cleaned: string
  try {
    cleaned = decodeURIComponent(token).replace(/\s/g, '')
  } catch {
    cleaned = token.replace(/\s/g, '')
  }
  if (cleaned.split('.').length !== 3) return { ok: false, error: { kind: 'token_malformed' } }
  try {
    const { payload } = await jwtVerify(cleaned, new TextEncoder().encode(secret), {
      algorithms: ['HS256', 'HS384', 'HS512'],
    })
    if (typeof payload.role !== 'string' || typeof payload.exp !== 'number') {
      return { ok: false, error: { kind: 'missing_claims' } }
    }
    return { ok: true, claims: payload as JWTPayload & { role: string } }
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      const exp = Number(error.payload.exp)
      return {
        ok: false,
        error: { kind: 'expired_token', secondsAgo: Math.floor(Date.now() / 1000) - exp },
      }
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return { ok: false, error: { kind: 'signature_error' } }
    }
    return { ok: false, error: { kind: 'token_malformed' } }
  }
}

/** The HTTP answer to a refused WebSocket upgrade (`UserSocket.error_response/1`). */
export function connectErrorResponse(error: TokenError): { status: number; message: string } {
  switch (error.kind) {
    case 'missing_api_key':
      return { status: 401, message: 'API key is missing' }
    case 'expired_token':
      return { status: 401, message: 'Token has expired' }
    case 'missing_claims':
      return { status: 401, message: 'Fields `role` and `exp` are required in JWT' }
    case 'token_malformed':
      return { status: 401, message: 'The token provided is not a valid JWT' }
    case 'signature_error':
      return { status: 401, message: 'Failed to validate JWT signature' }
  }
}

/** The `reason` of a refused join, or the message of a channel shut down on a bad refreshed token. */
export function joinErrorReason(error: TokenError): string {
  switch (error.kind) {
    case 'missing_api_key':
    case 'token_malformed':
      return 'MalformedJWT: The token provided is not a valid JWT'
    case 'expired_token':
      return `InvalidJWTToken: Token has expired ${error.secondsAgo} seconds ago`
    case 'missing_claims':
      return 'InvalidJWTToken: Fields `role` and `exp` are required in JWT'
    case 'signature_error':
      return 'JwtSignatureError: Failed to validate JWT signature'
  }
}

/** The message part alone (what `shutdown_response/2` pushes in a `system` message). */
export function tokenErrorMessage(error: TokenError): string {
  return joinErrorReason(error).replace(/^[A-Za-z]+: /, '')
}

/** Answers a refused upgrade with an HTTP error and its JSON body, then ends the socket. */
export function writeHttpError(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message })
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
