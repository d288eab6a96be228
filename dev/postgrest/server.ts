/**
 * The PostgREST stand-in's HTTP side: a node:http server on `/rest/v1`, with fault injection and
 * request counters in front of the handler, and a lifecycle (down/up/close) that lets tests cut the
 * network under a client and lets the process exit cleanly.
 *
 * Usage (dev/stack.ts): `const server = await startPostgrestServer({ databaseUri, jwtSecret })`, then
 * `createClient(server.url, serviceRoleKey)`. With the `realtime` option, the WebSocket upgrades on the
 * same port go to Supabase Realtime (dev/realtime/server.ts), and its faults join `server.faults`.
 */
import http from 'node:http'
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import pg from 'pg'
import { ApiError } from './errors.js'
import { FaultState, type Faults, type SocketFaults } from './faults.js'
import {
  errorResponse,
  handleRequest,
  resourceKey,
  routeOf,
  type ApiResponse,
  type HandlerContext,
} from './handler.js'
import type { HoldGroup } from './hold.js'
import { parsePrefer } from './media.js'
import { SchemaCache } from './schema.js'
import { StatsCounter, type RequestStats } from './stats.js'
import { resolveStatementTimeout } from './transaction.js'

export { ensureRoles } from './roles.js'
export { DEFAULT_STATEMENT_TIMEOUT, resolveStatementTimeout } from './transaction.js'
export type {
  Faults,
  FailNextOptions,
  HoldHandle,
  HoldOptions,
  ResetNextOptions,
  SocketFaults,
  WhenGone,
} from './faults.js'
export type { RequestStats } from './stats.js'

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

/** nginx's answer to a request line past its buffer: no PostgREST error body, no code. */
const uriTooLong: ApiResponse = {
  status: 414,
  headers: { 'Content-Type': 'text/html' },
  body: '<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n</body>\r\n</html>\r\n',
}

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

export interface PostgrestServer {
  /** Base URL for supabase-js, e.g. http://127.0.0.1:54321 (the client appends /rest/v1). */
  url: string
  port: number
  /** The `db-max-rows` in force; null when there is no cap. */
  maxRows: number | null
  faults: Faults
  stats(): RequestStats
  resetStats(): void
  /** Reloads the schema cache now (it also reloads by itself when a table or function is not found). */
  reloadSchema(): Promise<void>
  /** Stops listening, destroys open connections and ends the database pool. Idempotent. */
  close(): Promise<void>
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

const CORS_EXPOSED =
  'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit, Preference-Applied'

function send(req: http.IncomingMessage, res: http.ServerResponse, response: ApiResponse): void {
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

export async function startPostgrestServer(
  options: PostgrestServerOptions,
): Promise<PostgrestServer> {
  const host = options.host ?? '127.0.0.1'
  const maxRows = resolveMaxRows(options.maxRows)
  const statementTimeout = resolveStatementTimeout(options.statementTimeout)
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH
  const schema = options.schema ?? 'public'
  const pool = new pg.Pool({
    connectionString: options.databaseUri,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'postgrest-standin',
    // Past this, the request gets PostgREST's 504 PGRST003 rather than waiting forever.
    connectionTimeoutMillis: 10_000,
  })
  // An idle connection dies when PostgreSQL stops (57P01): without a listener that would crash the process.
  pool.on('error', () => {})
  const cache = new SchemaCache(pool, schema)
  try {
    await cache.reload()
  } catch (error) {
    await pool.end().catch(() => {})
    throw new Error(`PostgREST stand-in: cannot read the schema of ${schema}`, { cause: error })
  }
  const ctx: HandlerContext = {
    pool,
    cache,
    jwtSecret: options.jwtSecret,
    schema,
    maxRows,
    statementTimeout,
  }
  const stats = new StatsCounter()

  const sockets = new Set<net.Socket>()
  const server = http.createServer()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  let listening = false
  let closed = false
  let port = options.port ?? 0

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error)
      server.once('error', onError)
      server.listen(port, host, () => {
        server.off('error', onError)
        port = (server.address() as net.AddressInfo).port
        listening = true
        resolve()
      })
    })

  /** Times the server went down: a request that saw it happen died with it. */
  let downs = 0

  const stopListening = async (): Promise<void> => {
    if (!listening) return
    listening = false
    downs++
    const done = new Promise<void>((resolve) => server.close(() => resolve()))
    // Keep-alive connections would keep close() waiting (and a client could still send on them).
    for (const socket of sockets) socket.destroy()
    server.closeAllConnections()
    await done
    // Let clients in this process (tests) see their pooled connections close, so the next request
    // opens a new connection and gets ECONNREFUSED rather than a reset on a stale socket.
    await new Promise((resolve) => setTimeout(resolve, 10))
  }

  const faults = new FaultState(
    {
      get isDown() {
        return !listening
      },
      down: stopListening,
      up: async () => {
        if (!listening && !closed) await listen()
      },
    },
    options.realtime,
  )

  const realtime = options.realtime
  if (realtime) {
    // Upgrades never reach 'request' (nor the stats); the upgraded sockets are in `sockets`, so
    // down() and close() cut them like any connection.
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (realtime.handleUpgrade(req, socket, head)) return
      socket.on('error', () => {})
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    })
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // The answer to a client that has gone (a late write, served all the same) goes nowhere: a write
    // to its closed socket must not take the server down.
    res.on('error', () => {})
    void serve(req, res).catch((error: unknown) => {
      // serve() answers every error itself; this is the last guard against an unhandled rejection.
      if (!res.headersSent)
        send(req, res, errorResponse(new ApiError(500, 'PGRSTX00', String(error))))
    })
  })

  /** The client gave up (a timeout, an abort) or the server went down: nobody waits for an answer. */
  function clientGone(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    return req.socket.destroyed || !req.socket.writable || res.destroyed
  }

  /** Parks a request in a hold; false when its client disconnected and the hold drops such requests. */
  async function park(group: HoldGroup, req: http.IncomingMessage): Promise<boolean> {
    let drop: (() => void) | undefined
    const onClose = (): void => drop?.()
    req.socket.once('close', onClose)
    try {
      return await group.park((d) => {
        drop = d
        if (req.socket.destroyed) d()
      })
    } finally {
      req.socket.off('close', onClose)
    }
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Faults set after a clear() that comes while this request is in flight do not apply to it.
    const admission = faults.admit()
    const epoch = stats.epoch()
    const life = downs
    if ((req.url ?? '').length > maxUrlLength) {
      // The gateway answers before PostgREST sees the request: nothing is served, or counted.
      req.resume()
      send(req, res, uriTooLong)
      return
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    const method = (req.method ?? 'GET').toUpperCase()
    const resource = routeOf(url.pathname)
    const key = resourceKey(resource, url.pathname)
    let body: Buffer
    try {
      // Read the whole body first, so a fault never answers while the client is still uploading.
      body = await readBody(req)
    } catch {
      return // the client went away
    }
    // A hold comes first, so that `arrived` tells a test the request is in, whatever the latency.
    const hold = faults.takeHold(admission, key, method)
    if (hold && !hold.afterHandling && !(await park(hold, req))) return
    await faults.wait()
    // A client that gave up while held or during the latency (a timeout) is served all the same:
    // PostgREST never cancels a request it has received when its client disconnects (issues 699,
    // 3517; reproduced in 2352: the insert of a cancelled rpc call commits). Its write lands late,
    // the answer goes nowhere. The stats count it in the epoch it arrived in, not the next test's.
    // Only down() (PostgREST itself stopped: nothing listens) takes the requests it had along.
    if (downs !== life) return
    const reset = faults.takeReset(admission, key)
    if (reset && !reset.afterHandling) {
      stats.faulted(epoch)
      req.socket.destroy()
      return
    }
    const failure = faults.takeFailure(admission, key)
    if (failure) {
      stats.faulted(epoch)
      send(req, res, failure instanceof ApiError ? errorResponse(failure) : failure)
      return
    }
    if (method === 'OPTIONS') {
      // CORS preflight, as PostgREST answers it.
      send(req, res, {
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
      })
      return
    }
    stats.served(epoch, method, key, parsePrefer(req.headers.prefer).count !== undefined)
    const response = await handleRequest(ctx, { method, url, headers: req.headers, body, resource })
    if (hold && !hold.afterHandling) hold.markHandled()
    if (hold?.afterHandling && !(await park(hold, req))) return
    if (reset?.afterHandling) {
      stats.faulted(epoch)
      req.socket.destroy()
      return
    }
    if (clientGone(req, res)) return
    send(req, res, response)
  }

  try {
    await listen()
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }

  return {
    url: `http://${host}:${port}`,
    port,
    maxRows: maxRows ?? null,
    faults,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    reloadSchema: () => cache.reload(),
    async close() {
      if (closed) return
      closed = true
      // Held requests and pending latencies must not keep the process alive.
      faults.dispose()
      await stopListening()
      await pool.end()
    },
  }
}
