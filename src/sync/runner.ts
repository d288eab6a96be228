/**
 * Runs the sync queue in this process, so that delivery is prompt without any setup: right after a
 * transaction that queued a job commits, and on a sweep (jobs of earlier processes, retries that came
 * due). Payload's `jobs.autoRun` only runs with `getPayload({ cron: true })`; this runner also works in
 * a plain Local API script. It is registered in `payload.crons`, so `payload.destroy()` stops it.
 */
import type { Payload, Where } from 'payload'
import type { Logger } from 'pino'
import type { QueueOptions } from '../options.js'
import { syncTaskSlug } from './task.js'

type TransactionID = number | string | undefined

export class QueueRunner {
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  /** Transactions that queued a sync job and have not committed yet. */
  private readonly watched = new Set<number | string>()
  private failing = false
  private lastStaleCheck = 0
  private restore: (() => void) | undefined

  constructor(
    private readonly payload: Payload,
    private readonly queue: QueueOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.queue.runAfterCommit) this.watchCommits()
    if (this.queue.sweepInterval !== false) {
      this.timer = setInterval(() => this.kick(), this.queue.sweepInterval)
      // A script that is done should be able to exit; its pending jobs stay in the database.
      this.timer.unref()
    }
    this.payload.crons.push({ stop: () => this.stop() } as unknown as (typeof this.payload.crons)[number])
    // Jobs left pending by an earlier process.
    this.kick()
  }

  /**
   * Payload has no after-commit hook, and a job queued inside a transaction is invisible to the
   * runner until it commits. So the adapter's commit is wrapped: a commit of a watched transaction
   * kicks the runner; a rollback forgets it (its job is gone with it).
   */
  private watchCommits(): void {
    const db = this.payload.db as unknown as {
      commitTransaction: (id: TransactionID | Promise<TransactionID>) => Promise<void>
      rollbackTransaction: (id: TransactionID | Promise<TransactionID>) => Promise<void>
    }
    const commit = db.commitTransaction
    const rollback = db.rollbackTransaction
    db.commitTransaction = async (id) => {
      const resolved = id instanceof Promise ? await id : id
      await commit.call(db, resolved)
      if (resolved !== undefined && this.watched.delete(resolved)) this.kick()
    }
    db.rollbackTransaction = async (id) => {
      const resolved = id instanceof Promise ? await id : id
      if (resolved !== undefined) this.watched.delete(resolved)
      await rollback.call(db, resolved)
    }
    this.restore = () => {
      db.commitTransaction = commit
      db.rollbackTransaction = rollback
    }
  }

  /** Called by the hook after it queued a job inside `transactionID` (undefined: already committed). */
  afterCommit(transactionID: TransactionID): void {
    if (!this.queue.runAfterCommit) return
    if (transactionID === undefined) setImmediate(() => this.kick())
    else this.watched.add(transactionID)
  }

  /** Runs the queue now, or once more after the run in progress. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (this.again && !this.stopped) {
        this.again = false
        this.kick()
      }
    })
  }

  /** Resolves when the runner is idle (tests and scripts that want delivery done). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  private async drain(): Promise<void> {
    const where: Where = { taskSlug: { equals: syncTaskSlug } }
    if (Date.now() - this.lastStaleCheck > this.queue.staleAfter / 4) {
      this.lastStaleCheck = Date.now()
      await this.release(new Date(Date.now() - this.queue.staleAfter), 'before')
    }
    // Bounded: jobs that keep failing wait for their backoff, so a run finds none and stops.
    for (let round = 0; round < 100 && !this.stopped; round++) {
      const runStarted = new Date()
      try {
        const result = await this.payload.jobs.run({ queue: this.queue.name, limit: this.queue.limit, where, silent: { info: true } })
        if (result.noJobsRemaining) return
      } catch (err) {
        if (this.stopped) return
        this.logger.warn({ err }, 'supabase-sync: a run of the sync queue failed; releasing the jobs it had claimed')
        // Payload claims jobs one by one; a job superseded (deleted) in between makes the claim throw
        // after the others were marked processing, and they would stay so, blocking their keys.
        await this.release(runStarted, 'since')
      }
    }
  }

  /**
   * Marks sync jobs as not processing again: those claimed since `at` (a run that failed), or those
   * processing since before `at` (a process that died mid-run). Delivery is idempotent, so a job
   * released while something still runs it costs a duplicate write at worst, never a wrong row.
   */
  private async release(at: Date, mode: 'since' | 'before'): Promise<void> {
    try {
      const { docs } = await this.payload.update({
        collection: 'payload-jobs',
        where: {
          and: [
            { taskSlug: { equals: syncTaskSlug } },
            { queue: { equals: this.queue.name } },
            { processing: { equals: true } },
            { updatedAt: mode === 'since' ? { greater_than_equal: at.toISOString() } : { less_than: at.toISOString() } },
          ],
        },
        data: { processing: false },
        overrideAccess: true,
        depth: 0,
      } as never)
      if (docs.length) this.logger.warn({ released: docs.length, mode }, `supabase-sync: released ${docs.length} sync jobs stuck in processing`)
    } catch (err) {
      if (!this.stopped) this.logger.error({ err }, 'supabase-sync: could not release stuck sync jobs')
    }
  }

  noteFailure(): void {
    this.failing = true
  }

  /**
   * A delivery succeeded after failures: Supabase is back. Jobs waiting out their backoff are due now,
   * instead of up to `maxBackoff` later.
   */
  noteSuccess(): void {
    if (!this.failing) return
    this.failing = false
    void this.wakeBacklog()
  }

  private async wakeBacklog(): Promise<void> {
    try {
      await this.payload.update({
        collection: 'payload-jobs',
        where: {
          and: [
            { taskSlug: { equals: syncTaskSlug } },
            { queue: { equals: this.queue.name } },
            { processing: { equals: false } },
            { hasError: { not_equals: true } },
            { completedAt: { exists: false } },
            { waitUntil: { greater_than: new Date().toISOString() } },
          ],
        },
        data: { waitUntil: null },
        overrideAccess: true,
        depth: 0,
      } as never)
      this.kick()
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err }, 'supabase-sync: could not wake the backlog')
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.restore?.()
    await this.running
  }
}
