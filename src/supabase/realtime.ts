/**
 * Supabase Realtime's `postgres_changes` of one table, through supabase-js (its reconnects and
 * rejoins included): every change as `{ type, new, old }`, and every change of the subscription's
 * state. The only place that subscribes to Supabase.
 *
 * `subscribed` is Realtime's `system` ok, not realtime-js's SUBSCRIBED (the join reply): Supabase
 * subscribes after it answers the join, and subscribes again after a publication change or a
 * restart of its CDC worker without any rejoin — each such ok ends a gap in the stream.
 *
 * A channel the server ends (`phx_close`: its 5-minute token re-check or a token refresh failed,
 * also for a passing database error) is dropped by realtime-js and never rejoined, so the watch
 * would be dead for good: it is `closed` and replaced by a new channel after a backoff (1 s doubling
 * to 30 s, from the first after a subscription).
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import { openChannel, type TableChange } from './realtime-channel.js'

export type { TableChange } from './realtime-channel.js'

/**
 * `refused`: joined, but Realtime will not stream the table (not in the publication, a bad filter).
 * `closed`: the server ended the channel; a new one is on its way.
 */
export type SubscriptionState = 'subscribed' | 'error' | 'timed-out' | 'closed' | 'refused'

export interface TableSubscription {
  close(): Promise<void>
}

export interface SubscribeOptions {
  /** The wait before a new channel replaces one the server closed, by attempt (1, 2, …). */
  reopenDelayMs?: (attempt: number) => number
}

const defaultReopenDelay = (attempt: number) => Math.min(30_000, 1_000 * 2 ** (attempt - 1))

export function subscribeTable(
  client: SupabaseClient,
  table: string,
  onChange: (change: TableChange) => void,
  onState: (state: SubscriptionState, error?: Error) => void,
  options: SubscribeOptions = {},
): TableSubscription {
  const reopenDelay = options.reopenDelayMs ?? defaultReopenDelay
  let closing = false
  let channel: RealtimeChannel | undefined
  /** The live channel's number: what an earlier channel still says (its CLOSED on removal) is ignored. */
  let generation = 0
  let reopenedInARow = 0
  let timer: NodeJS.Timeout | undefined
  let reopening: Promise<void> = Promise.resolve()

  function open(): void {
    const mine = ++generation
    let ended = false
    channel = openChannel(client, `supabase-sync:${table}`, table, {
      change(change) {
        if (mine === generation && !closing) onChange(change)
      },
      signal(signal, error) {
        if (mine !== generation || closing) return
        // The join reply says nothing about the stream: the `system` ok that follows does.
        if (signal === 'joined') return
        if (signal === 'subscribed') reopenedInARow = 0
        if (signal === 'ended') {
          // A `system` error and the `phx_close` after it end the same channel: replaced once.
          if (ended) return
          ended = true
          onState('closed', error)
          reopen()
          return
        }
        onState(signal, error)
      },
    })
  }

  function reopen(): void {
    const old = channel
    timer = setTimeout(() => {
      timer = undefined
      reopening = (async () => {
        // Removed first: realtime-js keeps one channel per topic, and removes channels by topic.
        if (old) await client.removeChannel(old).catch(() => {})
        if (!closing) open()
      })()
    }, reopenDelay(++reopenedInARow))
    timer.unref()
  }

  open()
  return {
    async close() {
      closing = true
      if (timer) clearTimeout(timer)
      await reopening
      if (channel) await client.removeChannel(channel)
    },
  }
}
