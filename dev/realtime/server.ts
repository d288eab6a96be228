/**
 * Supabase Realtime's WebSocket endpoint (`/realtime/v1/websocket`) for postgres_changes, attached to
 * the PostgREST stand-in's HTTP server so that `createClient(stack.supabaseUrl, key)` reaches it.
 *
 * The protocol is Phoenix channels as Supabase's Realtime speaks it (dev/postgrest/README.md, section
 * Realtime, lists the frames and the sources they come from): the socket connects with `apikey` and
 * `vsn` (here); `phx_join` on `realtime:<name>` with `config.postgres_changes` and `access_token`,
 * answered with the entries and their ids; then a `system` message once the subscriptions exist;
 * `heartbeat`, `access_token`, `phx_leave` (channels.ts); changes as `postgres_changes` messages
 * `{ids, data}` (dispatch.ts).
 *
 * Changes come from logical replication of the `supabase_realtime` publication (replication.ts,
 * publication.ts), started by the first postgres_changes join (or `start()`); who sees what is
 * apply_rls (apply-rls.ts). The faults: dropSockets and delayEvents here and in connection.ts,
 * pauseSubscriptions and closeChannels in faults.ts.
 */
import { randomBytes } from 'node:crypto'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import pg from 'pg'
import { WebSocketServer, type WebSocket } from 'ws'
import { connectErrorResponse, verifyToken, writeHttpError } from './auth.js'
import { createFrameHandler } from './channels.js'
import { Connection } from './connection.js'
import { createDispatcher } from './dispatch.js'
import { createChannelFaults, type SubscriptionPause } from './faults.js'
import { decodeFrame, SUPPORTED_VSN, type Vsn } from './protocol.js'
import { DEFAULT_PUBLICATION } from './publication.js'
import { Replication, type ReplicationState } from './replication.js'

export { DEFAULT_PUBLICATION, ensurePublication } from './publication.js'
export type { SubscriptionPause } from './faults.js'

export const WEBSOCKET_PATH = '/realtime/v1/websocket'

export interface RealtimeOptions {
  /** The database whose changes are streamed (the stand-in's `supabase` database). */
  databaseUri: string
  /** The JWT secret the keys are signed with. */
  jwtSecret: string
  /** Default `supabase_realtime`, as on Supabase. */
  publication?: string
  /** The temporary replication slot's name; default `supabase_realtime_standin_<random>`. */
  slotName?: string
  /** application_name of its connections; default `realtime-standin`. */
  applicationName?: string
  /**
   * apply_rls's `max_record_bytes` (default 1 MB, as on Supabase): a change whose data is larger is
   * sent with `errors: ['Error 413: Payload Too Large']` and without the values over 64 bytes.
   */
  maxRecordBytes?: number
}

export interface RealtimeStatus {
  /** idle until the first postgres_changes join (or start()); stopped once close() was called. */
  replication: ReplicationState
  slotName: string
  /** Open WebSockets. */
  sockets: number
  /** Joined channels. */
  channels: number
  /** Active postgres_changes subscriptions (one per entry of a successful join). */
  subscriptions: number
  /** postgres_changes messages held back by delayEvents, not sent yet. */
  delayed: number
  /** Changes decoded and not yet dispatched. */
  pending: number
}

export interface RealtimeServer {
  readonly publication: string
  readonly slotName: string
  /** Takes `/realtime/v1/websocket` upgrades (true); leaves other paths to the caller (false). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Starts replication now (it otherwise starts with the first postgres_changes join). */
  start(): Promise<void>
  status(): RealtimeStatus
  /** Fault: destroys every WebSocket without a close frame, as a network drop would (close code 1006). */
  dropSockets(): number
  /** Fault: postgres_changes messages go out `ms` later (in order); 0 turns it off for later ones. */
  delayEvents(ms: number): void
  /**
   * Fault: drops every postgres_changes subscription until `resume()` (joins meanwhile wait too), as
   * Supabase does on a publication change or a CDC restart; then a new `system` ok, no rejoin.
   */
  pauseSubscriptions(): SubscriptionPause
  /** Fault: ends every channel from the server's side (`system` error, then `phx_close`). */
  closeChannels(message?: string): number
  /** apply_rls's `max_record_bytes` from now on (tests of the 413 cut use a small one). */
  setMaxRecordBytes(bytes: number): void
  /** Turns delayEvents off, resumes paused subscriptions, sends the messages held now. */
  clearFaults(): void
  /** Closes every socket, stops replication (the slot is gone when this resolves), ends the pool. Idempotent. */
  close(): Promise<void>
}

export function createRealtimeServer(options: RealtimeOptions): RealtimeServer {
  const publication = options.publication ?? DEFAULT_PUBLICATION
  const slotName = options.slotName ?? `supabase_realtime_standin_${randomBytes(6).toString('hex')}`
  const applicationName = options.applicationName ?? 'realtime-standin'
  const pool = new pg.Pool({
    connectionString: options.databaseUri,
    max: 4,
    application_name: applicationName,
    // to_jsonb renders timestamptz in the session's zone: Supabase's databases run in UTC.
    options: '-c TimeZone=UTC',
  })
  pool.on('error', () => {})
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  const connections = new Set<Connection>()
  let delayMs = 0
  let closing = false
  let replication: Replication | undefined
  let retired: Promise<void> = Promise.resolve()
  let processing: Promise<void> = Promise.resolve()
  let pending = 0
  let maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024
  const dispatch = createDispatcher({
    pool,
    connections,
    delayMs: () => delayMs,
    maxRecordBytes: () => maxRecordBytes,
  })
  const faults = createChannelFaults(connections, () => handler)
  const handler = createFrameHandler({
    pool,
    publication,
    jwtSecret: options.jwtSecret,
    ensureReplication,
    closing: () => closing,
    paused: () => faults.paused(),
  })

  function newReplication(): Replication {
    const r = new Replication({
      connectionString: options.databaseUri,
      publication,
      slotName,
      applicationName: `${applicationName}-replication`,
      pool,
      onChange: (change) => {
        pending++
        processing = processing
          .then(() => dispatch(change))
          .catch((error: unknown) => {
            if (!closing) console.warn('[realtime stand-in] a change was not dispatched:', error)
          })
          .finally(() => {
            pending--
          })
      },
      onFailure: (error) => {
        if (closing) return
        console.warn('[realtime stand-in] replication stopped, dropping sockets:', error)
        // As when Supabase's replication restarts: clients reconnect and rejoin, which starts it anew.
        if (replication === r) replication = undefined
        retired = r.stop()
        for (const conn of connections) conn.ws.terminate()
      },
    })
    return r
  }

  async function ensureReplication(): Promise<void> {
    if (closing) throw new Error('realtime stand-in: closed')
    if (!replication) {
      await retired
      if (closing) throw new Error('realtime stand-in: closed')
      replication ??= newReplication()
    }
    await replication.start()
  }

  function accept(ws: WebSocket, vsn: Vsn, tenantToken: string): void {
    const conn = new Connection(ws, vsn, tenantToken)
    connections.add(conn)
    ws.on('message', (data, isBinary) => {
      if (isBinary) return
      const frame = decodeFrame(vsn, data.toString())
      if (!frame) return
      conn.chain = conn.chain
        .then(() => handler.handle(conn, frame))
        .catch((error: unknown) => {
          if (!closing) console.warn('[realtime stand-in] message failed:', error)
        })
    })
    ws.on('error', () => {})
    ws.on('close', () => {
      connections.delete(conn)
      conn.dispose()
      for (const channel of conn.channels.values()) {
        channel.closed = true
        channel.subscriptions = []
      }
      conn.channels.clear()
    })
  }

  return {
    publication,
    slotName,
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname.replace(/\/+$/, '') !== WEBSOCKET_PATH) return false
      socket.on('error', () => {})
      if (closing) {
        socket.destroy()
        return true
      }
      // Phoenix picks the serializer from `vsn` (1.0.0 when absent) and refuses others with 403.
      const vsn = url.searchParams.get('vsn') ?? '1.0.0'
      if (!(SUPPORTED_VSN as readonly string[]).includes(vsn)) {
        writeHttpError(socket, 403, `unsupported vsn ${vsn}`)
        return true
      }
      const header = req.headers['x-api-key']
      const token = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey')
      void verifyToken(token, options.jwtSecret).then((verified) => {
        if (socket.destroyed) return
        if (closing) {
          socket.destroy()
          return
        }
        if (!verified.ok) {
          const { status, message } = connectErrorResponse(verified.error)
          writeHttpError(socket, status, message)
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (closing) ws.terminate()
          else accept(ws, vsn as Vsn, token as string)
        })
      })
      return true
    },
    start: ensureReplication,
    status() {
      let channels = 0
      let subscriptions = 0
      let delayed = 0
      for (const conn of connections) {
        channels += conn.channels.size
        for (const channel of conn.channels.values()) subscriptions += channel.subscriptions.length
        delayed += conn.delayed
      }
      return {
        replication: closing ? 'stopped' : (replication?.state ?? 'idle'),
        slotName,
        sockets: connections.size,
        channels,
        subscriptions,
        delayed,
        pending,
      }
    },
    dropSockets() {
      let count = 0
      for (const conn of connections) {
        count++
        conn.ws.terminate()
      }
      return count
    },
    delayEvents(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new Error(`delayEvents: ms must be a non-negative number (got ${String(ms)})`)
      }
      delayMs = ms
    },
    pauseSubscriptions: () => faults.pauseSubscriptions(),
    closeChannels: (message) => faults.closeChannels(message),
    setMaxRecordBytes(bytes: number) {
      if (!Number.isInteger(bytes) || bytes < 0)
        throw new Error(`setMaxRecordBytes: a non-negative integer (got ${String(bytes)})`)
      maxRecordBytes = bytes
    },
    clearFaults() {
      delayMs = 0
      void faults.resumeAll()
      for (const conn of connections) conn.flush(true)
    },
    async close() {
      if (closing) return
      closing = true
      for (const conn of connections) {
        conn.dispose()
        conn.ws.terminate()
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      const r = replication
      replication = undefined
      await Promise.all([r?.stop(), retired])
      await processing.catch(() => {})
      await pool.end().catch(() => {})
    },
  }
}
