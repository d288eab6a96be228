/**
 * Supabase Realtime's `postgres_changes` of one table, through supabase-js (its reconnects and
 * rejoins included): every change as `{ type, new, old }`, and every change of the subscription's
 * state. The only place that subscribes to Supabase.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import type { Row } from '../mapping/types.js'

export interface TableChange {
  type: 'INSERT' | 'UPDATE' | 'DELETE'
  table: string
  /** The row after the change (INSERT, UPDATE). */
  new: Row | null
  /** The row before (DELETE: at least its key, with the default replica identity). */
  old: Row | null
  commitTimestamp?: string
}

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
  const channel: RealtimeChannel = client
    .channel(`supabase-sync:${table}`)
    .on(
      'postgres_changes' as never,
      { event: '*', schema: 'public', table } as never,
      (payload: {
        eventType: TableChange['type']
        new: Row
        old: Row
        commit_timestamp?: string
      }) => {
        const has = (row: Row | undefined) => (row && Object.keys(row).length ? row : null)
        onChange({
          type: payload.eventType,
          table,
          new: has(payload.new),
          old: has(payload.old),
          commitTimestamp: payload.commit_timestamp,
        })
      },
    )
  // Realtime answers a join it cannot serve with a `system` message after the join succeeded.
  channel.on(
    'system' as never,
    {} as never,
    (message: { extension?: string; status?: string; message?: string }) => {
      if (message.extension === 'postgres_changes' && message.status === 'error')
        onState('refused', new Error(message.message ?? 'postgres_changes refused'))
    },
  )
  channel.subscribe((status, error) => {
    const state: SubscriptionState =
      status === 'SUBSCRIBED'
        ? 'subscribed'
        : status === 'TIMED_OUT'
          ? 'timed-out'
          : status === 'CLOSED'
            ? 'closed'
            : 'error'
    onState(state, error)
  })
  return {
    async close() {
      await client.removeChannel(channel)
    },
  }
}
