/**
 * One supabase-js Realtime channel on one table's `postgres_changes`, and what its messages mean.
 *
 * realtime-js reports SUBSCRIBED on the join reply, but Supabase creates the subscription after
 * that reply (and again, without any rejoin, after a publication change, a restart of its CDC worker
 * or a transient subscribe error): only the `system` message `{extension: 'postgres_changes',
 * status: 'ok'}` says that changes flow from now on. A channel the server ends (`phx_close`, after a
 * `system` error of `extension: 'system'`, e.g. its token re-check failed) is removed by realtime-js
 * and never rejoined: it is `ended`, and only a new channel watches again (realtime.ts).
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
  /**
   * Realtime's errors for this change (`Error 413: Payload Too Large`: the rows lack every value
   * over 64 bytes; `Error 400`/`401`: no row data): the rows are not what the table holds.
   */
  errors?: string[]
}

export type ChannelSignal =
  /** The join reply (realtime-js SUBSCRIBED): joined, not yet streaming. */
  | 'joined'
  /** The postgres_changes `system` ok: changes committed from now on are streamed. */
  | 'subscribed'
  /** The postgres_changes `system` error: not streaming (Supabase may still subscribe later). */
  | 'refused'
  /** CHANNEL_ERROR: the socket dropped or the join failed; realtime-js rejoins by itself. */
  | 'error'
  | 'timed-out'
  /** Closed by the server (or a `system` error that ends it): realtime-js will not rejoin. */
  | 'ended'

export interface ChannelHandlers {
  change(change: TableChange): void
  signal(signal: ChannelSignal, error?: Error): void
}

interface SystemMessage {
  extension?: string
  status?: string
  message?: string
}

interface ChangePayload {
  eventType: TableChange['type']
  new: Row
  old: Row
  commit_timestamp?: string
  errors?: string[] | null
}

/** Joins `topic` and streams the table's changes; `handlers` see every change and signal. */
export function openChannel(
  client: SupabaseClient,
  topic: string,
  table: string,
  handlers: ChannelHandlers,
): RealtimeChannel {
  const channel: RealtimeChannel = client
    .channel(topic)
    .on(
      'postgres_changes' as never,
      { event: '*', schema: 'public', table } as never,
      (payload: ChangePayload) => {
        const has = (row: Row | undefined) => (row && Object.keys(row).length ? row : null)
        handlers.change({
          type: payload.eventType,
          table,
          new: has(payload.new),
          old: has(payload.old),
          commitTimestamp: payload.commit_timestamp,
          ...(payload.errors?.length ? { errors: payload.errors } : {}),
        })
      },
    )
  channel.on('system' as never, {} as never, (message: SystemMessage) => {
    const text = message.message ?? `${message.extension ?? 'system'} ${message.status ?? ''}`
    if (message.extension === 'postgres_changes') {
      if (message.status === 'ok') handlers.signal('subscribed')
      else if (message.status === 'error') handlers.signal('refused', new Error(text))
    } else if (message.extension === 'system' && message.status === 'error') {
      // shutdown_response: the `phx_close` that follows ends the channel for good.
      handlers.signal('ended', new Error(text))
    }
  })
  channel.subscribe((status, error) => {
    if (status === 'SUBSCRIBED') handlers.signal('joined')
    else if (status === 'TIMED_OUT') handlers.signal('timed-out', error)
    else if (status === 'CLOSED') handlers.signal('ended', error ?? new Error('channel closed'))
    else handlers.signal('error', error)
  })
  return channel
}
