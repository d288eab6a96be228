/**
 * The Realtime faults that act on channels rather than sockets, each as Supabase's Realtime does it
 * without any reconnect of the client:
 *
 * - `pauseSubscriptions`: every postgres_changes subscription is dropped (changes committed meanwhile
 *   are never sent, to anyone) until `resume()`, which subscribes each channel again and sends it a
 *   new `system` ok — as Supabase does when a table is added to or removed from the publication
 *   (SubscriptionManager drops every subscription within a minute and tells the channels to
 *   subscribe again), when its CDC worker goes down, or after a transient subscribe error. Joins made
 *   while paused are answered and wait for `resume()` too; so does a channel whose subscription was
 *   refused (on Supabase the publication check subscribes it again: a table added meanwhile streams).
 * - `closeChannels`: `shutdown_response` — a `system` error, then `phx_close` — as Supabase ends a
 *   channel when its token re-check finds the JWT expired or a token refresh fails.
 */
import type { FrameHandler } from './channels.js'
import type { Connection } from './connection.js'

export interface SubscriptionPause {
  /** Subscribes every joined channel again (from now on) and sends each its `system` ok. */
  resume(): Promise<void>
}

export interface ChannelFaults {
  pauseSubscriptions(): SubscriptionPause
  closeChannels(message?: string): number
  /** True while paused. */
  paused(): boolean
  /** Ends a pause (clear()). */
  resumeAll(): Promise<void>
}

export function createChannelFaults(
  connections: ReadonlySet<Connection>,
  handler: () => FrameHandler,
): ChannelFaults {
  let pauses = 0

  async function resumeAll(): Promise<void> {
    pauses = 0
    const waiting: Promise<void>[] = []
    for (const conn of connections)
      for (const channel of conn.channels.values())
        if (channel.awaitingSubscribe && !channel.closed)
          waiting.push(handler().subscribe(conn, channel))
    await Promise.all(waiting)
  }

  return {
    paused: () => pauses > 0,
    pauseSubscriptions() {
      pauses++
      for (const conn of connections)
        for (const channel of conn.channels.values()) {
          if (!channel.entries.length || channel.closed) continue
          channel.subscriptions = []
          channel.awaitingSubscribe = true
        }
      let resumed = false
      return {
        async resume() {
          if (resumed) return
          resumed = true
          pauses = Math.max(0, pauses - 1)
          if (pauses === 0) await resumeAll()
        },
      }
    },
    closeChannels(message = 'Token has expired 0 seconds ago') {
      let count = 0
      for (const conn of connections)
        for (const channel of [...conn.channels.values()]) {
          count++
          handler().shutdown(conn, channel, message)
        }
      return count
    },
    resumeAll,
  }
}
