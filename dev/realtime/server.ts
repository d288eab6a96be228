/**
 * Supabase Realtime's WebSocket endpoint (`/realtime/v1/websocket`) for postgres_changes, attached to
 * the PostgREST stand-in's HTTP server so that `createClient(stack.supabaseUrl, key)` reaches it.
 *
 * The protocol is Phoenix channels as Supabase's Realtime speaks it (dev/postgrest/README.md, section
 * Realtime, lists the frames and the sources they come from): the socket connects with `apikey` and
 * `vsn`; `phx_join` on `realtime:<name>` with `config.postgres_changes` and `access_token`, answered
 * with the entries and their ids; then a `system` message once the subscriptions exist; `heartbeat`,
 * `access_token`, `phx_leave`; changes as `postgres_changes` messages `{ids, data}`.
 *
 * Changes come from logical replication of the `supabase_realtime` publication (replication.ts),
 * started by the first postgres_changes join (or `start()`); who sees what is apply_rls (cdc.ts).
 */
import { randomBytes } from 'node:crypto'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import pg from 'pg'
import { WebSocketServer, type WebSocket } from 'ws'
import { connectErrorResponse, joinErrorReason, tokenErrorMessage, verifyToken } from './auth.js'
import { applyRls, createSubscriptions, type Subscription } from './cdc.js'
import { parseSubscriptionParams, subscriptionId, type SubscriptionParams } from './params.js'
import {
  close,
  decodeFrame,
  encodeFrame,
  isObject,
  reply,
  SUPPORTED_VSN,
  type Frame,
  type Vsn,
} from './protocol.js'
import { Replication, type ReplicationState, type RowChange } from './replication.js'

export const WEBSOCKET_PATH = '/realtime/v1/websocket'
export const DEFAULT_PUBLICATION = 'supabase_realtime'

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
  /** Turns delayEvents off and sends the messages it holds now. */
  clearFaults(): void
  /** Closes every socket, stops replication (the slot is gone when this resolves), ends the pool. Idempotent. */
  close(): Promise<void>
}

interface Channel {
  topic: string
  subTopic: string
  joinRef: string | null
  accessToken: string
  claims: Record<string, unknown>
  role: string
  /** The postgres_changes entries as the client sent them, with their ids. */
  entries: { raw: Record<string, unknown>; id: number }[]
  subscriptions: Subscription[]
  closed: boolean
}

interface Outgoing {
  text: string
  due: number
}

class Connection {
  readonly channels = new Map<string, Channel>()
  private outbox: Outgoing[] = []
  private timer: NodeJS.Timeout | undefined
  /** Frames are handled one after the other, as a Phoenix socket process does. */
  chain: Promise<void> = Promise.resolve()
  closed = false

  constructor(
    readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly tenantToken: string,
  ) {}

  send(frame: Frame): void {
    if (this.closed) return
    this.ws.send(encodeFrame(this.vsn, frame), () => {})
  }

  /** A postgres_changes message: after the configured delay, and never ahead of an earlier one. */
  sendEvent(frame: Frame, delayMs: number): void {
    if (this.closed) return
    const text = encodeFrame(this.vsn, frame)
    if (delayMs <= 0 && this.outbox.length === 0) {
      this.ws.send(text, () => {})
      return
    }
    this.outbox.push({ text, due: Date.now() + Math.max(0, delayMs) })
    this.schedule()
  }

  get delayed(): number {
    return this.outbox.length
  }

  private schedule(): void {
    if (this.timer || this.outbox.length === 0) return
    const wait = Math.max(0, this.outbox[0].due - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush(false)
    }, wait)
    this.timer.unref()
  }

  /** Sends what is due (or everything), in order. */
  flush(all: boolean): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    while (this.outbox.length && (all || this.outbox[0].due <= now)) {
      const { text } = this.outbox.shift()!
      if (!this.closed) this.ws.send(text, () => {})
    }
    this.schedule()
  }

  dispose(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.outbox = []
  }
}

/** LIKE with `escape ''` (how Supabase matches schema and table against pg_publication_tables). */
function likeMatcher(pattern: string): (value: string) => boolean {
  if (pattern === '*') return () => true
  const re = new RegExp(
    `^${[...pattern]
      .map((ch) =>
        ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
    's',
  )
  return (value) => re.test(value)
}

function writeHttpError(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message })
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
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
  const matchers = new Map<string, (v: string) => boolean>()
  const matcher = (pattern: string): ((v: string) => boolean) => {
    let m = matchers.get(pattern)
    if (!m) matchers.set(pattern, (m = likeMatcher(pattern)))
    return m
  }

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

  async function dispatch(change: RowChange): Promise<void> {
    const candidates: Subscription[] = []
    const owners = new Map<Subscription, { conn: Connection; channel: Channel }>()
    for (const conn of connections) {
      for (const channel of conn.channels.values()) {
        for (const sub of channel.subscriptions) {
          if (change.commitLsn < sub.fromLsn) continue
          if (sub.params.action !== '*' && sub.params.action !== change.action) continue
          if (!matcher(sub.params.schema)(change.relation.schema)) continue
          if (!matcher(sub.params.table)(change.relation.table)) continue
          candidates.push(sub)
          owners.set(sub, { conn, channel })
        }
      }
    }
    if (candidates.length === 0) return
    const deliveries = await applyRls(pool, change, candidates)
    for (const delivery of deliveries) {
      // One message per channel with the ids of its subscriptions (MessageDispatcher.dispatch/3).
      const perChannel = new Map<Channel, { conn: Connection; ids: number[] }>()
      for (const sub of delivery.subscriptions) {
        const owner = owners.get(sub)!
        if (owner.channel.closed) continue
        const entry = perChannel.get(owner.channel) ?? { conn: owner.conn, ids: [] }
        entry.ids.push(sub.id)
        perChannel.set(owner.channel, entry)
      }
      for (const [channel, { conn, ids }] of perChannel) {
        conn.sendEvent(
          {
            joinRef: null,
            ref: null,
            topic: channel.topic,
            event: 'postgres_changes',
            payload: { ids, data: delivery.data },
          },
          delayMs,
        )
      }
    }
  }

  function systemMessage(
    conn: Connection,
    channel: Channel,
    extension: 'system' | 'postgres_changes',
    status: 'ok' | 'error',
    message: string,
  ): void {
    conn.send({
      joinRef: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'system',
      payload: { extension, status, message, channel: channel.subTopic },
    })
  }

  function closeChannel(conn: Connection, channel: Channel): void {
    channel.closed = true
    channel.subscriptions = []
    if (conn.channels.get(channel.topic) === channel) conn.channels.delete(channel.topic)
    conn.send(close(channel.topic, channel.joinRef))
  }

  /**
   * realtime_channel.ex `handle_info(:postgres_subscribe)`: parse every entry, create the
   * subscriptions (all or none); the caller says how it went in a `system` message.
   */
  async function subscribeEntries(
    channel: Channel,
    keepFromLsn?: Map<number, bigint>,
  ): Promise<{ status: 'ok' | 'error'; message: string }> {
    const parsed: SubscriptionParams[] = []
    for (const entry of channel.entries) {
      const result = parseSubscriptionParams(entry.raw)
      if (!result.ok) return { status: 'error', message: result.error }
      parsed.push(result.params)
    }
    let created: Awaited<ReturnType<typeof createSubscriptions>>
    try {
      await ensureReplication()
      created = await createSubscriptions(pool, publication, parsed, channel.role)
    } catch (error) {
      return { status: 'error', message: String((error as Error)?.message ?? error) }
    }
    if (!created.ok) return { status: 'error', message: created.message }
    if (!channel.closed) {
      channel.subscriptions = channel.entries.map((entry, i) => ({
        id: entry.id,
        params: parsed[i],
        role: channel.role,
        claims: channel.claims,
        fromLsn: keepFromLsn?.get(i) ?? created.fromLsn,
      }))
    }
    return { status: 'ok', message: 'Subscribed to PostgreSQL' }
  }

  async function join(conn: Connection, frame: Frame): Promise<void> {
    const { topic } = frame
    if (!topic.startsWith('realtime:')) {
      conn.send(reply({ ...frame, joinRef: null }, 'error', { reason: 'unmatched topic' }))
      return
    }
    // A second join on a joined topic closes the first (Phoenix.Socket, "Duplicate channel join").
    const existing = conn.channels.get(topic)
    if (existing) closeChannel(conn, existing)
    const subTopic = topic.slice('realtime:'.length)
    if (subTopic === '') {
      conn.send(
        reply(frame, 'error', { reason: 'TopicNameRequired: You must provide a topic name' }),
      )
      return
    }
    const params = frame.payload
    const config = isObject(params.config) ? params.config : undefined
    if (config?.private === true) {
      // Private channels need Realtime Authorization (RLS on realtime.messages): not served.
      conn.send(
        reply(frame, 'error', {
          reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`,
        }),
      )
      return
    }
    const given =
      typeof params.access_token === 'string'
        ? params.access_token
        : typeof params.user_token === 'string'
          ? params.user_token
          : undefined
    const accessToken = given === undefined || given.startsWith('sb_') ? conn.tenantToken : given
    const verified = await verifyToken(accessToken, options.jwtSecret)
    if (conn.closed) return
    if (!verified.ok) {
      conn.send(reply(frame, 'error', { reason: joinErrorReason(verified.error) }))
      return
    }
    const rawEntries = Array.isArray(config?.postgres_changes)
      ? (config.postgres_changes as unknown[]).filter(isObject)
      : []
    const channel: Channel = {
      topic,
      subTopic,
      joinRef: frame.joinRef,
      accessToken,
      claims: verified.claims as Record<string, unknown>,
      role: verified.claims.role,
      entries: rawEntries.map((raw) => ({ raw, id: subscriptionId(raw) })),
      subscriptions: [],
      closed: false,
    }
    conn.channels.set(topic, channel)
    // Supabase answers the join first and creates the subscriptions right after (a few ms later,
    // while its poller is already running), so changes committed just after the reply are
    // delivered in practice. The stand-in creates them before answering (the first join also starts
    // replication): every change committed after the reply — after realtime-js says SUBSCRIBED —
    // is delivered. The `system` message follows the reply, as on Supabase.
    const outcome = channel.entries.length ? await subscribeEntries(channel) : undefined
    if (conn.closed || channel.closed || closing) return
    conn.send(
      reply(frame, 'ok', {
        postgres_changes: channel.entries.map(({ raw, id }) => ({ ...raw, id })),
      }),
    )
    if (outcome) systemMessage(conn, channel, 'postgres_changes', outcome.status, outcome.message)
  }

  /** realtime_channel.ex `handle_in("access_token", …)`. */
  async function refreshToken(conn: Connection, channel: Channel, frame: Frame): Promise<void> {
    const token = frame.payload.access_token
    if (typeof token !== 'string' || token.startsWith('sb_') || token === channel.accessToken)
      return
    const verified = await verifyToken(token, options.jwtSecret)
    if (channel.closed || conn.closed) return
    if (!verified.ok) {
      systemMessage(conn, channel, 'system', 'error', tokenErrorMessage(verified.error))
      closeChannel(conn, channel)
      return
    }
    channel.accessToken = token
    channel.claims = verified.claims as Record<string, unknown>
    channel.role = verified.claims.role
    if (channel.entries.length) {
      const keep = new Map(channel.subscriptions.map((s, i) => [i, s.fromLsn]))
      const outcome = await subscribeEntries(channel, keep)
      if (conn.closed || channel.closed || closing) return
      systemMessage(conn, channel, 'postgres_changes', outcome.status, outcome.message)
    }
  }

  async function handle(conn: Connection, frame: Frame): Promise<void> {
    if (frame.topic === 'phoenix' && frame.event === 'heartbeat') {
      conn.send(reply({ ...frame, joinRef: null }, 'ok', {}))
      return
    }
    if (frame.event === 'phx_join') return join(conn, frame)
    const channel = conn.channels.get(frame.topic)
    if (!channel) {
      if (frame.event === 'phx_leave') conn.send(reply(frame, 'ok', {}))
      else conn.send(reply({ ...frame, joinRef: null }, 'error', { reason: 'unmatched topic' }))
      return
    }
    // A message for an earlier join of this topic is stale: ignored, as Phoenix does.
    if (frame.joinRef !== null && frame.joinRef !== channel.joinRef) return
    if (frame.event === 'phx_leave') {
      conn.send(reply(frame, 'ok', {}))
      closeChannel(conn, channel)
      return
    }
    if (frame.event === 'access_token') return refreshToken(conn, channel, frame)
    // broadcast, presence and anything else: not served (Supabase answers nothing to unknown events).
  }

  function accept(ws: WebSocket, vsn: Vsn, tenantToken: string): void {
    const conn = new Connection(ws, vsn, tenantToken)
    connections.add(conn)
    ws.on('message', (data, isBinary) => {
      if (isBinary) return
      const frame = decodeFrame(vsn, data.toString())
      if (!frame) return
      conn.chain = conn.chain
        .then(() => handle(conn, frame))
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
    clearFaults() {
      delayMs = 0
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

/**
 * Creates the publication Supabase projects have, empty (`create publication supabase_realtime`):
 * `alter publication supabase_realtime add table …` is then the SQL that turns Realtime on for a
 * table, here as on Supabase. Safe to run again and concurrently.
 */
export async function ensurePublication(
  databaseUri: string,
  publication = DEFAULT_PUBLICATION,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUri })
  await client.connect()
  try {
    const ident = `"${publication.replace(/"/g, '""')}"`
    await client.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = ${pgLiteral(publication)}) THEN
          CREATE PUBLICATION ${ident};
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`)
  } finally {
    await client.end()
  }
}

function pgLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}
