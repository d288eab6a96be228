/**
 * Runs the sync queue in this process, so that delivery is prompt without any setup: right after a
 * transaction that queued a job commits, and on a sweep (jobs of other or earlier processes, retries
 * that came due). Registered in `payload.crons`, so `payload.destroy()` stops it.
 *
 * Recovery: while deliveries fail transiently, each sweep asks Supabase (one HEAD) whether it answers
 * again, and when it does the waiting backlog is due at once instead of after its backoff. When the
 * endpoint itself refuses (401/403, a missing table or function), delivery pauses as a whole — no job
 * is given up — names the cause once, and resumes when a probe passes.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import { SyncError } from '../errors.js'
import type { QueueOptions } from '../options.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import { backoffDelay } from './backoff.js'
import { CommitWatch } from './commit-watch.js'
import { HeldRetry } from './held-retry.js'
import { notSyncedError } from './not-synced.js'
import type { PayloadDatabase } from './database.js'
import type { Delivery } from './delivery.js'
import { deliverWithPartners } from './partners.js'
import type { DueDocument, JobStore } from './jobs.js'

export interface RunnerDeps {
  payload: Payload
  db: PayloadDatabase
  jobs: JobStore
  delivery: Delivery
  target: SupabaseTarget
  collections: Map<string, SyncedCollection>
  queue: QueueOptions
  logger: Logger
}

export class QueueRunner {
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  /** Looks again at the documents another delivery held, less often the longer they stay held. */
  private readonly held: HeldRetry
  private readonly commits: CommitWatch
  /** The collection whose deliveries failed transiently: its table is probed. */
  private failing: SyncedCollection | undefined
  private paused:
    { until: number; spells: number; collection: SyncedCollection; error: SyncError } | undefined
  private probing = false
  /** Backlog wakes after a successful probe in the current failing spell, and when the last one was. */
  private probeWakes = 0
  private lastProbeWake = 0

  constructor(private readonly deps: RunnerDeps) {
    this.held = new HeldRetry(deps.queue.sweepInterval, deps.logger, () => this.kick())
    this.commits = new CommitWatch(deps.payload, () => {
      // New work: whatever it finds held is looked at soon again.
      this.held.reset()
      this.kick()
    })
  }

  start(): void {
    const { queue, payload } = this.deps
    if (queue.runAfterCommit) this.commits.start()
    if (queue.sweepInterval !== false) {
      this.timer = setInterval(() => {
        if (this.failing || this.paused) void this.probe()
        this.kick()
      }, queue.sweepInterval)
      // A script that is done should be able to exit; its pending jobs stay in the database.
      this.timer.unref()
    }
    payload.crons.push({ stop: () => this.stop() } as unknown as (typeof payload.crons)[number])
    this.kick()
  }

  /** Called by the hook after it queued a job inside `transactionID`. */
  afterCommit(transactionID: number | string | undefined): void {
    if (this.deps.queue.runAfterCommit) this.commits.watch(transactionID)
  }

  /** Runs the queue now, or once more after the run in progress. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.drain()
      // An error no step of the drain handles (Payload's database failing while jobs of a collection
      // no longer synced are booked): logged, and the next kick or sweep tries again — never an
      // unhandled rejection, which ends a Node process.
      .catch((err: unknown) =>
        this.deps.logger.error({ err, op: 'deliver' }, 'supabase-sync: a run of the queue failed'),
      )
      .finally(() => {
        this.running = undefined
        if (this.again && !this.stopped) {
          this.again = false
          this.kick()
        }
      })
  }

  /** Resolves when the runner has nothing left to run now (jobs waiting out a backoff are not waited for). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  get isStopped(): boolean {
    return this.stopped
  }

  /** Whether delivery is paused, and why. */
  get pause(): { error: SyncError; until: number } | undefined {
    return this.paused ? { error: this.paused.error, until: this.paused.until } : undefined
  }

  private async drain(): Promise<void> {
    const { jobs, delivery, collections, queue, logger } = this.deps
    const busy = new Set<string>()
    let progressed = false
    try {
      // Bounded: jobs that keep failing wait for their backoff, so a run finds none and stops.
      for (let round = 0; round < 100 && !this.stopped; round++) {
        if (this.paused && Date.now() < this.paused.until) return
        let due: DueDocument[]
        try {
          due = await jobs.due(queue.limit, [...busy])
        } catch (err) {
          if (!this.stopped) logger.warn({ err }, 'supabase-sync: could not read the due sync jobs')
          return
        }
        if (!due.length) return
        const byCollection = new Map<string, string[]>()
        for (const doc of due)
          byCollection.set(doc.collection, [...(byCollection.get(doc.collection) ?? []), doc.id])
        for (const [slug, ids] of byCollection) {
          const collection = collections.get(slug)
          if (!collection) {
            await this.notSynced(slug, ids)
            progressed = true
            continue
          }
          const report = await delivery.deliver(collection, ids)
          // Conflicts: once more, with the documents that may hold the values (partners.ts).
          const again = await deliverWithPartners(this.deps, collection, report)
          for (const [id, o] of again?.outcomes ?? []) report.outcomes.set(id, o)
          report.endpointError ??= again?.endpointError
          let delivered = false
          let transient = false
          for (const o of report.outcomes.values()) {
            if (o.outcome === 'busy') busy.add(`${slug}:${o.id}`)
            else if (o.outcome === 'failed') transient ||= o.error?.kind === 'transient'
            else delivered = true
            if (o.outcome !== 'busy') progressed = true
          }
          if (report.endpointError) {
            this.pauseFor(collection, report.endpointError)
            return
          }
          if (delivered) {
            this.resume()
            this.noteSuccess()
          }
          if (transient) this.failing = collection
        }
      }
    } finally {
      // Documents another delivery held: theirs to finish; what came after is looked at again.
      if (!busy.size) this.held.reset()
      else if (!this.stopped) this.held.held(busy.size, progressed)
    }
  }

  /** Jobs of a collection that is no longer synced: failed for good, with the reason, and recorded. */
  private async notSynced(slug: string, ids: string[]): Promise<void> {
    const { db, jobs, delivery } = this.deps
    const givenUp = await db.transaction(async (sql) => {
      const rows = await jobs.forKeys(
        sql,
        ids.map((id) => `${slug}:${id}`),
      )
      const failures = ids.map((id) => ({
        key: `${slug}:${id}`,
        collection: slug,
        id,
        error: notSyncedError(slug, id),
        jobs: rows.filter((job) => job.key === `${slug}:${id}`),
      }))
      return jobs.book(sql, failures)
    })
    if (givenUp.length) await delivery.failedForGood(slug, givenUp)
  }

  /** Supabase answers again (a probe passed, or a delivery went through): no longer paused. */
  private resume(): void {
    if (!this.paused) return
    this.deps.logger.info(
      { op: 'resume', collection: this.paused.collection.slug },
      'supabase-sync: Supabase answers again; delivery resumed',
    )
    this.paused = undefined
  }

  private pauseFor(collection: SyncedCollection, error: SyncError): void {
    const spells = (this.paused?.spells ?? 0) + 1
    if (!this.paused) {
      this.deps.logger.error(
        { op: 'pause', collection: collection.slug, status: error.status, code: error.code },
        `supabase-sync: delivery paused, Supabase refuses every request: ${error.message}. No job is given up; delivery resumes when it answers.`,
      )
    }
    this.paused = {
      until: Date.now() + backoffDelay(spells - 1, this.deps.queue),
      spells,
      collection,
      error,
    }
  }

  /**
   * A delivery succeeded after failures: Supabase is back. Jobs waiting out their backoff are due now,
   * instead of up to `maxBackoff` later.
   */
  private noteSuccess(): void {
    if (!this.failing) return
    this.failing = undefined
    this.probeWakes = 0
    void this.wakeBacklog()
  }

  /**
   * One read of the failing table. While paused, a pass resumes delivery. While failing, a pass
   * wakes the backlog — no more often than the jobs' own backoff would, so that a reachable Supabase
   * whose deliveries keep failing is not hammered.
   */
  private async probe(): Promise<void> {
    const collection = this.paused?.collection ?? this.failing
    if (this.probing || this.stopped || !collection) return
    const { queue, logger } = this.deps
    const spacing =
      this.paused || this.probeWakes === 0
        ? 0
        : Math.min(queue.maxBackoff, queue.backoff * 2 ** (this.probeWakes - 1))
    if (Date.now() - this.lastProbeWake < spacing) return
    this.probing = true
    try {
      const failure = await this.deps.target.probe(collection.spec)
      if (failure) {
        this.probeWakes = 0
        return
      }
      if (this.stopped) return
      if (this.paused) {
        logger.info(
          { op: 'resume', collection: this.paused.collection.slug },
          'supabase-sync: Supabase answers again; delivery resumed',
        )
        this.paused = undefined
      }
      if (!this.failing && this.probeWakes > 0) return
      this.probeWakes++
      this.lastProbeWake = Date.now()
      const woken = await this.wakeBacklog()
      if (woken === 0) {
        // Nothing waits out a backoff: nothing to recover (a job failing now says so again).
        this.failing = undefined
        this.probeWakes = 0
      } else if (woken) {
        logger.info(
          { op: 'probe', woken },
          'supabase-sync: Supabase answers again; the waiting sync jobs are due now',
        )
      }
    } finally {
      this.probing = false
    }
  }

  private async wakeBacklog(): Promise<number | undefined> {
    try {
      const woken = await this.deps.jobs.wake()
      this.kick()
      return woken
    } catch (err) {
      if (!this.stopped) this.deps.logger.warn({ err }, 'supabase-sync: could not wake the backlog')
      return undefined
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.held.stop()
    this.commits.stop()
    await this.running
  }
}
