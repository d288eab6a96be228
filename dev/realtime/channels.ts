/**
 * The frames of a Realtime socket, as Supabase's Realtime handles them (realtime_channel.ex and
 * Phoenix.Socket): `heartbeat`; `phx_join` on `realtime:<name>` with `config.postgres_changes` and
 * `access_token`, answered with the entries and their ids, then a `system` message once the
 * subscriptions exist (subscriptions.ts); `access_token`; `phx_leave`.
 */
import type pg from 'pg'
import { joinErrorReason, tokenErrorMessage, verifyToken } from './auth.js'
import type { Channel, Connection } from './connection.js'
import { parseSubscriptionParams, subscriptionId, type SubscriptionParams } from './params.js'
import { close, isObject, reply, type Frame } from './protocol.js'
import { createSubscriptions } from './subscriptions.js'

export interface ChannelContext {
  pool: pg.Pool
  publication: string
  /** The JWT secret the keys are signed with. */
  jwtSecret: string
  /** Starts replication unless it runs (the first postgres_changes join starts it). */
  ensureReplication(): Promise<void>
  /** True once the server is closing. */
  closing(): boolean
  /** True while the `pauseSubscriptions` fault holds every subscription back. */
  paused(): boolean
}

export interface FrameHandler {
  /** Handles one frame of a connection (frames are handled one after the other). */
  handle(conn: Connection, frame: Frame): Promise<void>
  /** Subscribes a joined channel's entries, then the `system` message (also the faults' resume). */
  subscribe(conn: Connection, channel: Channel): Promise<void>
  /** Ends a channel from the server's side as `shutdown_response` does (the `closeChannels` fault). */
  shutdown(conn: Connection, channel: Channel, message: string): void
}

/** The frame handler of the server's connections, and what the faults drive. */
export function createFrameHandler(ctx: ChannelContext): FrameHandler {
  const { pool, publication, ensureReplication } = ctx

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
    const verified = await verifyToken(accessToken, ctx.jwtSecret)
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
    // As Supabase: the join is answered first; the subscriptions are created after it
    // (realtime_channel.ex `send(self(), :postgres_subscribe)`), and only the `system` ok says they
    // exist. A change committed between the reply (realtime-js's SUBSCRIBED) and that message is
    // not sent: a client must wait for the ok, not for SUBSCRIBED.
    conn.send(
      reply(frame, 'ok', {
        postgres_changes: channel.entries.map(({ raw, id }) => ({ ...raw, id })),
      }),
    )
    // Outside the socket's frame chain, as on Supabase (the channel process subscribes, the socket
    // goes on serving frames such as heartbeats).
    if (channel.entries.length)
      subscribe(conn, channel).catch((error: unknown) => {
        if (!ctx.closing()) console.warn('[realtime stand-in] a subscription failed:', error)
      })
  }

  /**
   * `handle_info(:postgres_subscribe)`: subscribes and says how it went in a `system` message;
   * while the subscriptions are paused (the `pauseSubscriptions` fault) the channel waits for
   * `resume`, as a channel waits on Supabase while the CDC worker is down.
   */
  async function subscribe(conn: Connection, channel: Channel): Promise<void> {
    if (ctx.paused()) {
      channel.awaitingSubscribe = true
      return
    }
    channel.awaitingSubscribe = false
    const outcome = await subscribeEntries(channel)
    if (conn.closed || channel.closed || ctx.closing()) return
    if (ctx.paused()) {
      // Paused while it subscribed: dropped again, subscribed on resume.
      channel.subscriptions = []
      channel.awaitingSubscribe = true
      return
    }
    systemMessage(conn, channel, 'postgres_changes', outcome.status, outcome.message)
  }

  /** Supabase's `shutdown_response`: a `system` error, then the channel ends (`phx_close`). */
  function shutdown(conn: Connection, channel: Channel, message: string): void {
    if (channel.closed || conn.closed) return
    systemMessage(conn, channel, 'system', 'error', message)
    closeChannel(conn, channel)
  }

  /** realtime_channel.ex `handle_in("access_token", …)`. */
  async function refreshToken(conn: Connection, channel: Channel, frame: Frame): Promise<void> {
    const token = frame.payload.access_token
    if (typeof token !== 'string' || token.startsWith('sb_') || token === channel.accessToken)
      return
    const verified = await verifyToken(token, ctx.jwtSecret)
    if (channel.closed || conn.closed) return
    if (!verified.ok) {
      shutdown(conn, channel, tokenErrorMessage(verified.error))
      return
    }
    channel.accessToken = token
    channel.claims = verified.claims as Record<string, unknown>
    channel.role = verified.claims.role
    // Paused (pauseSubscriptions): the new token's subscriptions wait for resume() too.
    if (channel.entries.length && ctx.paused()) {
      channel.subscriptions = []
      channel.awaitingSubscribe = true
    } else if (channel.entries.length) {
      const keep = new Map(channel.subscriptions.map((s, i) => [i, s.fromLsn]))
      const outcome = await subscribeEntries(channel, keep)
      if (conn.closed || channel.closed || ctx.closing()) return
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

  return { handle, subscribe, shutdown }
}
