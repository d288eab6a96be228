/**
 * Supabase Realtime's `postgres_changes` of one table, through supabase-js (its reconnects and
 * rejoins included): every change as `{ type, new, old }`, and every change of the subscription's
 * state. The only place that subscribes to Supabase.
 *
 * `subscribed` is Realtime's `system` ok, not realtime-js's SUBSCRIBED (the join reply): Supabase
 * subscribes after it answers the join, and subscribes again after a publication change or a
 * restart of its CDC worker without any rejoin — each such ok ends a gap in the stream.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { openChannel, type TableChange } from './realtime-channel.js'

export type { TableChange } from './realtime-channel.js'

/** `refused`: joined, but Realtime will not stream the table (not in the publication, a bad filter). */
export type SubscriptionState = 'subscribed' | 'error' | 'timed-out' | 'closed' | 'refused'

export interface TableSubscription {
  close(): Promise<void>
}

export function subscribeTable(
  client: SupabaseClient,
  table: string,
  onChange: (change: TableChange) => void,
  onState: (state: SubscriptionState, error?: Error) => void,
): TableSubscription {
  const channel = openChannel(client, `supabase-sync:${table}`, table, {
    change: onChange,
    signal(signal, error) {
      // The join reply says nothing about the stream: the `system` ok that follows does.
      if (signal === 'joined') return
      onState(signal === 'ended' ? 'closed' : signal, error)
    },
  })
  return {
    async close() {
      await client.removeChannel(channel)
    },
  }
}
