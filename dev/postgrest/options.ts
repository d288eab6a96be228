/**
 * What `startPostgrestServer` takes, and the checks and defaults it applies to the options that
 * mirror PostgREST's and the gateway's settings (`db-max-rows`, the request-line buffer).
 */
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import type { SocketFaults } from './faults.js'

export interface PostgrestServerOptions {
  /** The database to serve (Supabase's `postgres` database). The user must be able to SET ROLE to anon and service_role. */
  databaseUri: string
  /** The secret keys are signed with (Supabase's JWT secret). */
  jwtSecret: string
  /** 0 (default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** The exposed schema; default public. */
  schema?: string
  /** Database connections; default 10, like PostgREST's db-pool. */
  poolSize?: number
  /** application_name of its connections (pg_stat_activity); default `postgrest-standin`. */
  applicationName?: string
  /**
   * PostgREST's `db-max-rows`: reads and set-returning function results are cut to this many rows
   * (writes are not). Default 1000, as on hosted Supabase; `null` or `Infinity` for no cap.
   */
  maxRows?: number | null
  /**
   * The longest request URL (path and query) answered; longer ones get the gateway's 414 with an
   * HTML body, as nginx in front of a hosted project answers past its 8 KB request-line buffer.
   * Default 8,192; `Infinity` for none.
   */
  maxUrlLength?: number
  /**
   * The statement_timeout every request runs under, as Supabase's `authenticator` role sets it for
   * the roles without one of their own (`service_role`): default `'8s'`; a number is ms; `false` or 0
   * for none. A role's own setting (`alter role anon set statement_timeout = '3s'`) wins, as in PostgREST.
   */
  statementTimeout?: string | number | false
  /**
   * Supabase Realtime on the same port (dev/realtime/server.ts `createRealtimeServer`): it takes the
   * WebSocket upgrades it recognises (`/realtime/v1/websocket`), and `faults.dropSockets()` /
   * `faults.delayEvents()` act on it. Its owner closes it, after this server.
   */
  realtime?: RealtimeEndpoint
}

/** What the HTTP server needs from Realtime: its upgrades and its faults. */
export interface RealtimeEndpoint extends SocketFaults {
  /** True when it took the upgrade; false leaves it to the server (answered 404). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
}

/** The request line a hosted project's gateway takes (nginx's `large_client_header_buffers`, 8k). */
export const DEFAULT_MAX_URL_LENGTH = 8192

/** Supabase's default `max-rows` for a hosted project. */
export const DEFAULT_MAX_ROWS = 1000

/** The cap as the handler uses it (undefined: none), after checking the option. */
export function resolveMaxRows(maxRows: number | null | undefined): number | undefined {
  if (maxRows === undefined) return DEFAULT_MAX_ROWS
  if (maxRows === null || maxRows === Infinity) return undefined
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
    throw new Error(
      `PostgREST stand-in: maxRows must be a positive integer, null or Infinity (got ${String(maxRows)})`,
    )
  }
  return maxRows
}
