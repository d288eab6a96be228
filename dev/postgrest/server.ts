/**
 * The PostgREST stand-in's HTTP side: a node:http server on `/rest/v1`, with fault injection and
 * request counters in front of the handler (pipeline.ts), and a lifecycle (down/up/close,
 * listener.ts) that lets tests cut the network under a client and lets the process exit cleanly.
 *
 * Usage (dev/stack.ts): `const server = await startPostgrestServer({ databaseUri, jwtSecret })`, then
 * `createClient(server.url, serviceRoleKey)`. With the `realtime` option, the WebSocket upgrades on the
 * same port go to Supabase Realtime (dev/realtime/server.ts), and its faults join `server.faults`.
 */
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import pg from 'pg'
import { FaultState, type Faults } from './faults.js'
import type { HandlerContext } from './handler.js'
import { Listener } from './listener.js'
import { DEFAULT_MAX_URL_LENGTH, resolveMaxRows, type PostgrestServerOptions } from './options.js'
import { requestListener } from './pipeline.js'
import { SchemaCache } from './schema.js'
import { StatsCounter, type RequestStats } from './stats.js'
import { resolveStatementTimeout } from './transaction.js'

export { ensureRoles } from './roles.js'
export { DEFAULT_STATEMENT_TIMEOUT, resolveStatementTimeout } from './transaction.js'
export {
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_URL_LENGTH,
  resolveMaxRows,
  type PostgrestServerOptions,
  type RealtimeEndpoint,
} from './options.js'
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
  const listener = new Listener(options.port ?? 0, host)
  const server = listener.server
  let closed = false

  const faults = new FaultState(
    {
      get isDown() {
        return !listener.isListening
      },
      down: () => listener.stop(),
      up: async () => {
        if (!listener.isListening && !closed) await listener.listen()
      },
    },
    options.realtime,
  )

  const realtime = options.realtime
  if (realtime) {
    // Upgrades never reach 'request' (nor the stats); the upgraded sockets are the listener's, so
    // down() and close() cut them like any connection.
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (realtime.handleUpgrade(req, socket, head)) return
      socket.on('error', () => {})
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    })
  }

  server.on('request', requestListener({ ctx, faults, stats, listener, maxUrlLength }))

  try {
    await listener.listen()
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }

  const port = listener.boundPort
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
      await listener.stop()
      await pool.end()
    },
  }
}
