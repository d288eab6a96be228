/**
 * The realtime watch's state per collection (shown in `status` and the dashboard), and what each
 * change of the subscription means: a subscription after the first ends a gap in the stream (a check
 * of the table is due); a failure is logged once per state, not once per attempt of supabase-js, and
 * an error Realtime sends with a change once per collection.
 */
import type { Logger } from 'pino'
import type { SubscriptionState } from '../supabase/realtime.js'

export type WatchStatus = 'connecting' | 'subscribed' | 'reconnecting' | 'unavailable'

export interface WatchStatusEntry {
  status: WatchStatus
  error?: string
  since: string
}

/** What the watch does after a change of state. */
export type StatusOutcome = 'check' | 'failure' | 'none'

export class WatchStatuses {
  private readonly entries = new Map<string, WatchStatusEntry>()
  /** Realtime's errors already logged, per collection (`slug\u0000error`): said once. */
  private readonly errorsLogged = new Set<string>()

  constructor(private readonly logger: Logger) {}

  connecting(slug: string): void {
    this.entries.set(slug, { status: 'connecting', since: new Date().toISOString() })
  }

  /**
   * A change Realtime sent with errors (`Error 413: Payload Too Large`, `Error 400`/`401`): each
   * error logged once per collection; `keyed`: the row is read again by its key, else the table is
   * checked.
   */
  erroredChange(slug: string, errors: readonly string[], keyed: boolean): void {
    const unseen = errors.filter((e) => !this.errorsLogged.has(`${slug}\u0000${e}`))
    if (!unseen.length) return
    for (const e of unseen) this.errorsLogged.add(`${slug}\u0000${e}`)
    this.logger.warn(
      { collection: slug, op: 'realtime', errors: unseen },
      `${slug}: Realtime sent a change with ${unseen.join('; ')}; the row is read again${keyed ? '' : ' (no key: the table is checked)'} (said once)`,
    )
  }

  all(): Record<string, WatchStatusEntry> {
    return Object.fromEntries(this.entries)
  }

  update(slug: string, state: SubscriptionState, error?: Error): StatusOutcome {
    const previous = this.entries.get(slug)
    const now = new Date().toISOString()
    if (state === 'subscribed') {
      this.entries.set(slug, {
        status: 'subscribed',
        since: previous?.status === 'subscribed' ? previous.since : now,
      })
      // Every subscription after the first ends a gap: a reconnect, a failed or refused one, a
      // channel replaced, or Supabase subscribing again on its own (a publication change, its CDC
      // worker restarted) — changes committed meanwhile were streamed to no one.
      if (!previous || previous.status === 'connecting') return 'none'
      this.logger.info(
        { collection: slug, op: 'realtime', was: previous.status },
        `${slug}: Realtime subscribed again; checking what changed meanwhile`,
      )
      return 'check'
    }
    const next: WatchStatus =
      state !== 'refused' &&
      (previous?.status === 'subscribed' || previous?.status === 'reconnecting')
        ? 'reconnecting'
        : 'unavailable'
    const message = error?.message ?? state
    if (previous?.status !== next) {
      if (next === 'unavailable')
        this.logger.warn(
          { collection: slug, op: 'realtime', state },
          `${slug}: Realtime is not available (${message}); changes made in Supabase directly are found by the scheduled checks`,
        )
      else
        this.logger.warn(
          { collection: slug, op: 'realtime', state },
          `${slug}: Realtime connection lost (${message}); reconnecting`,
        )
    }
    this.entries.set(slug, {
      status: next,
      error: message,
      since: previous?.status === next ? previous.since : now,
    })
    return 'failure'
  }
}
