/**
 * Dispatch of a decoded change: the subscriptions whose schema, table, event and start LSN match
 * it, apply_rls (apply-rls.ts) for who sees what, then one postgres_changes message per channel with
 * the ids of its subscriptions, held back by the `delayEvents` fault when it is on.
 */
import type pg from 'pg'
import { applyRls } from './apply-rls.js'
import type { Channel, Connection } from './connection.js'
import type { RowChange } from './replication.js'
import type { Subscription } from './subscriptions.js'

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

export interface DispatchContext {
  pool: pg.Pool
  /** The open connections, whose channels' subscriptions are matched. */
  connections: ReadonlySet<Connection>
  /** The `delayEvents` delay (ms) messages go out with now. */
  delayMs(): number
  /** apply_rls's `max_record_bytes` now. */
  maxRecordBytes(): number
}

/** Returns the dispatch of one change (called one change after the other). */
export function createDispatcher(ctx: DispatchContext): (change: RowChange) => Promise<void> {
  const { pool, connections } = ctx
  const matchers = new Map<string, (v: string) => boolean>()
  const matcher = (pattern: string): ((v: string) => boolean) => {
    let m = matchers.get(pattern)
    if (!m) matchers.set(pattern, (m = likeMatcher(pattern)))
    return m
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
    const deliveries = await applyRls(pool, change, candidates, ctx.maxRecordBytes())
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
          ctx.delayMs(),
        )
      }
    }
  }

  return dispatch
}
