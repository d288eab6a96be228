/**
 * The shapes one request goes through: the server's context, the parsed request, the answer, and
 * what the client asked the answer to look like.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type pg from 'pg'
import type { Media, Preferences } from './media.js'
import type { SchemaCache } from './schema.js'

export interface HandlerContext {
  pool: pg.Pool
  cache: SchemaCache
  jwtSecret: string
  schema: string
  /** PostgREST's `db-max-rows`: reads and function results are cut to this many rows; undefined is no cap. */
  maxRows?: number
  /** The statement_timeout every request runs under (set_config's form); undefined: the session's. */
  statementTimeout?: string
}

export type Resource =
  | { kind: 'table'; name: string }
  | { kind: 'rpc'; name: string }
  | { kind: 'root' }
  | { kind: 'invalid' }

export interface ApiRequest {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  body: Buffer
  resource: Resource
}

export interface ApiResponse {
  status: number
  headers: Record<string, string>
  /** Omitted for HEAD and for answers without a body (204, return=minimal). */
  body?: string
}

/** How to answer: preferences, media type, and the Content-Profile header when one was negotiated. */
export interface Output {
  prefs: Preferences
  media: Media
  profileHeaders: Record<string, string>
}

/** A request header as one string (repeated headers joined with `, `). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}
