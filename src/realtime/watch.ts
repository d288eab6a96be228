/**
 * Watching the synced tables for changes made around the plugin (the Supabase table editor, a script
 * with the service key, a migration): Supabase Realtime streams every change; the plugin's own
 * deliveries are recognised (the row equals the fingerprint of what it last delivered) and ignored;
 * anything else is an out-of-band change, handled by the collection's policy:
 *
 * - `revert` (default): the document's row goes through the normal delivery path again (compare mode:
 *   a row that differs is rewritten, a row without a document deleted, a deleted row written back);
 * - `record`: left as it is, recorded (and shown as drift);
 * - `pull`: taken into Payload with the version-checked pull, then delivered back.
 *
 * After each subscription but the first (a reconnect, a replaced channel, Supabase subscribing again
 * on its own), a check of the whole table covers what happened while nothing was streamed.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { Logger } from 'pino'
import type { StateStore } from '../queue/state.js'
import {
  subscribeTable,
  type SubscriptionState,
  type TableChange,
  type TableSubscription,
} from '../supabase/realtime.js'
import type { SyncedCollection } from '../synced.js'
import { withoutEchoes } from './echoes.js'
import { GapChecks, type GapCheckDeps } from './gap-checks.js'
import { InsertBursts } from './insert-burst.js'
import { LookQueue } from './look-queue.js'
import type { OrphanGuardDeps } from './orphan-guards.js'
import { isRecheck, type Recheck } from './pending-looks.js'
import { CatchUpLeftError } from '../errors.js'
import { handleLooks, type LookBatch, type LookOutcome } from './handle-looks.js'
import type { Catch, PolicyDeps } from './policies.js'
import { RevertGuard } from './revert-guard.js'
import { WatchStatuses, type WatchStatusEntry } from './status.js'

export type { Catch } from './policies.js'

export interface WatchDeps extends PolicyDeps, OrphanGuardDeps, GapCheckDeps {
  /** Rows edited directly (marked, unseen) that differ from their documents, none pending: by page. */
  editedAway: (collection: SyncedCollection) => AsyncIterable<string[]>
  client: SupabaseClient
  state: StateStore
  logger: Logger
  /** The collections watched (each with its policy in `watch`). */
  watched: SyncedCollection[]
  /** Every catch (recorded in the Sync events, counted, alerted). */
  caught: (catches: Catch[]) => Promise<void>
  /** How long a burst of rows inserted without documents is held for more (the mass-insert guard): 2 s. */
  insertQuietMs?: number
}

export type { WatchStatus } from './status.js'

export class RealtimeWatch {
  private readonly subscriptions: TableSubscription[] = []
  /** The rows to look at, per collection, and the backoff after a failure. */
  private readonly looks: LookQueue
  /** The checks of whole tables after gaps in the stream. */
  private readonly gaps: GapChecks
  private readonly statuses: WatchStatuses
  private stopped = false
  /** Batches being handled (tests wait for none). */
  private working = 0
  private readonly counts = { events: 0, echoes: 0, caught: 0, failures: 0 }
  private readonly guard = new RevertGuard()
  private readonly bursts: InsertBursts

  constructor(private readonly deps: WatchDeps) {
    this.statuses = new WatchStatuses(deps.logger)
    this.looks = new LookQueue((slug) => {
      const collection = this.watched(slug)
      if (collection) void this.flush(collection)
    })
    this.gaps = new GapChecks(deps, this.looks)
    this.bursts = new InsertBursts(
      deps.massInsertLimit,
      deps.insertQuietMs ?? 2_000,
      (slug, held) => {
        const collection = this.watched(slug)
        if (collection) void this.release(collection, held)
      },
    )
  }

  private watched(slug: string): SyncedCollection | undefined {
    return this.deps.watched.find((c) => c.slug === slug)
  }

  start(): void {
    for (const collection of this.deps.watched) {
      this.statuses.connecting(collection.slug)
      this.subscriptions.push(
        subscribeTable(
          this.deps.client,
          collection.spec.table,
          (change) => {
            this.counts.events++
            this.onChange(collection, change)
          },
          (state, error) => this.onState(collection, state, error),
        ),
      )
    }
  }

  /** Per collection: subscribed, reconnecting, or unavailable (Realtime off on the project: the scheduled checks remain). */
  status(): Record<string, WatchStatusEntry> {
    return this.statuses.all()
  }

  /**
   * Whether this watch pulls the collection's later edits now, so that a delivery may leave a row
   * edited since a pull read it (queue/left-for-pull.ts): not once stopped (Payload shutting down).
   */
  pulls(collection: SyncedCollection): boolean {
    return (
      !this.stopped && this.watched(collection.slug) !== undefined && collection.watch === 'pull'
    )
  }

  /**
   * Under 'pull', before the startup reconcile (which would write Payload's values over them): the
   * rows edited in Supabase while no instance watched — marked by sql/005, differing from their
   * documents, no delivery pending — handled as found by a gap. A failure is the caller's to retry,
   * and so is a row left to pull (being delivered, or its pull failed for a passing reason): the
   * reconcile must not run before it is pulled, or it writes Payload's values over the edit.
   */
  async catchUp(collection: SyncedCollection): Promise<void> {
    const left: string[] = []
    for await (const ids of this.deps.editedAway(collection)) {
      if (this.stopped) return
      this.deps.logger.info(
        { collection: collection.slug, op: 'realtime', ids: ids.slice(0, 50) },
        `${collection.slug}: ${ids.length} row(s) edited in Supabase while no instance watched; pulled before the startup reconcile`,
      )
      this.working++
      try {
        const { busy } = await this.handle(
          collection,
          ids,
          new Map(),
          new Map(ids.map((id) => [id, 'gap'])),
          { ownBusy: true },
        )
        left.push(...busy)
      } finally {
        this.working--
      }
    }
    if (left.length) throw new CatchUpLeftError(collection.slug, left)
  }

  /** Rows a pull's save left, edited in Supabase after the pull read them: looked at as they are now. */
  recheck(collection: SyncedCollection, ids: readonly string[]): void {
    if (!ids.length || !this.watched(collection.slug)) return
    // Stopped since the delivery asked `pulls`: said, not silent.
    if (this.stopped)
      return this.deps.logger.warn(
        { collection: collection.slug, ids: ids.slice(0, 50), op: 'realtime', outcome: 'left' },
        `${collection.slug}: ${ids.length} row(s) edited in Supabase after a pull read them were left for the realtime watch, which has stopped: they differ from Payload until a check finds them`,
      )
    this.looks.add(
      collection.slug,
      ids.map((id) => [id, 'recheck'] as const),
    )
  }

  /**
   * Since the start: changes received, recognised as the plugin's own, and caught (made around it);
   * failed connection or join attempts.
   */
  stats(): { events: number; echoes: number; caught: number; failures: number } {
    return { ...this.counts }
  }

  /** Resolves when no change waits to be handled. */
  async idle(): Promise<void> {
    while (
      !this.stopped &&
      (this.looks.waiting() || this.working || this.gaps.pending() || this.bursts.holding())
    )
      await new Promise((r) => setTimeout(r, 10))
  }

  private onState(collection: SyncedCollection, state: SubscriptionState, error?: Error): void {
    if (this.stopped) return
    const outcome = this.statuses.update(collection.slug, state, error)
    if (outcome === 'failure') this.counts.failures++
    else if (outcome === 'check') this.gaps.request(collection)
  }

  /**
   * A change Realtime sent with errors: `Error 413: Payload Too Large` (the row's change is over
   * 1 MB: its values over 64 bytes are left out), `Error 400`/`401` (no row data). The rows are not
   * the table's: the row is read again by its key, or the table checked when there is no key.
   */
  private onErroredChange(collection: SyncedCollection, change: TableChange, key: string): void {
    this.statuses.erroredChange(collection.slug, change.errors ?? [], key !== '')
    if (key) this.looks.add(collection.slug, [[key, 'recheck']])
    else this.gaps.request(collection)
  }

  private onChange(collection: SyncedCollection, change: TableChange): void {
    if (this.stopped) return
    const pk = collection.spec.primaryKey
    const key = String((change.new ?? change.old)?.[pk] ?? '')
    if (change.errors?.length) return this.onErroredChange(collection, change, key)
    if (!key) return
    this.looks.add(collection.slug, [[key, change]])
    // An update that changed the key: the old key's row is gone, a change of its own (its
    // document's row must come back). Looked at as it is now, as after a gap — also over an event
    // of that key still waiting here (an echo would hide it).
    const before = change.type === 'UPDATE' ? change.old?.[pk] : undefined
    if (before !== undefined && before !== null && String(before) !== key)
      this.looks.recheckWaiting(collection.slug, String(before))
  }

  private async flush(collection: SyncedCollection): Promise<void> {
    const batch = this.looks.take(collection.slug)
    if (!batch?.size || this.stopped) return
    this.working++
    try {
      const events = new Map<string, TableChange>()
      const rechecks = new Map<string, Recheck>()
      for (const [id, look] of batch) {
        if (isRecheck(look)) rechecks.set(id, look)
        else events.set(id, look)
      }
      const foreign = events.size
        ? await withoutEchoes(this.deps.state, collection, events)
        : events
      this.counts.echoes += events.size - foreign.size
      const ids = [...foreign.keys(), ...rechecks.keys()]
      const busy = ids.length ? (await this.handle(collection, ids, foreign, rechecks)).busy : []
      // Rows found busy are looked at again after a backoff that keeps growing while they stay busy.
      if (!busy.length) this.looks.succeeded(collection.slug)
    } catch (err) {
      // Not dropped: whatever came meanwhile is newer and wins; the rest is tried again.
      const delay = this.looks.backoff(collection.slug)
      this.deps.logger.warn(
        { err, collection: collection.slug, op: 'realtime', retryInMs: delay },
        `${collection.slug}: handling changes from Supabase failed; trying again in ${delay} ms`,
      )
      if (!this.stopped) this.looks.add(collection.slug, batch, delay, true)
    } finally {
      this.working--
    }
  }

  /** A quiet burst of rows inserted without documents, under the limit: reverted (deleted) now. */
  private async release(
    collection: SyncedCollection,
    held: Map<string, TableChange>,
  ): Promise<void> {
    if (this.stopped) return
    this.working++
    try {
      const { busy } = await this.handle(collection, [...held.keys()], held, new Map(), {
        released: true,
      })
      if (!busy.length) this.looks.succeeded(collection.slug)
    } catch (err) {
      // Not dropped: held again, so they wait for another quiet moment (and count in that burst).
      this.deps.logger.warn(
        { err, collection: collection.slug, op: 'realtime' },
        `${collection.slug}: deleting rows inserted without documents failed; trying again`,
      )
      if (!this.stopped) this.bursts.add(collection.slug, held)
    } finally {
      this.working--
    }
  }

  private async handle(
    collection: SyncedCollection,
    all: string[],
    changes: Map<string, TableChange>,
    rechecks: ReadonlyMap<string, Recheck>,
    how: Pick<LookBatch, 'released' | 'ownBusy'> = {},
  ): Promise<LookOutcome> {
    const { deps, counts, bursts, guard, looks } = this
    const batch = { all, changes, rechecks, ...how }
    return handleLooks({ deps, counts, bursts, guard, looks }, collection, batch)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.gaps.stop()
    this.bursts.stop()
    this.looks.stop()
    await Promise.all(this.subscriptions.map((s) => s.close().catch(() => {})))
  }
}
