/**
 * The one path by which a document's row reaches Supabase. Queued jobs, the reconcile, `sync`, `reset`
 * and what follows a `pull` all come here, and here every document is:
 *
 *   locked (its advisory lock, in a transaction of its own) → its jobs noted (those committed now) →
 *   read as it is now → mapped → written (upsert or delete, with the version of this claim) →
 *   fingerprint recorded and the noted jobs completed, or the failure booked on them → committed.
 *
 * Two deliveries of one document never overlap, in one process or across several; each reads the
 * document after the previous one committed, so Supabase never receives an older state after a newer
 * one. A document locked elsewhere is "busy": whoever holds it delivers it, and any change committed
 * after their read has a job of its own.
 */
import type { Logger } from 'pino'
import type { Payload } from 'payload'
import { describeCause, MappingError, SyncError } from '../errors.js'
import { expectedRows, type KeyRange } from '../documents.js'
import { fingerprint } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import { fieldsToWrite } from '../reconcile/diff.js'
import type { SupabaseTarget } from '../supabase/target.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import type { PayloadDatabase, Sql } from './database.js'
import type { Failure, JobRow, JobStore } from './jobs.js'
import { documentKey } from './keys.js'
import { pullsOnly } from './left-for-pull.js'
import { uncommitted } from './uncommitted.js'
import { lockDocuments } from './locks.js'
import { applyPayloadWins, type ReplacedEdit } from './payload-wins.js'
import {
  deliveryFailure,
  logOutcomes,
  type DeliveryReport,
  type Outcome,
  type OutcomeObserver,
} from './outcomes.js'

export type { DeliveryReport, DocumentOutcome, Outcome } from './outcomes.js'
import type { StateStore } from './state.js'

export interface DeliveryDeps {
  payload: Payload
  db: PayloadDatabase
  jobs: JobStore
  state: StateStore
  target: SupabaseTarget
  batchSize: number
  logger: Logger
  /** Supabase held rows edited there directly, which this delivery replaced: Payload won. */
  onConflict?: (collection: SyncedCollection, edits: ReplacedEdit[]) => Promise<void>
  /** Told of each document's outcome (metrics). */
  observe?: OutcomeObserver
  /** Deliveries of a collection (its slug) that failed for good (a row Supabase refuses, a mapping error), once committed. */
  onFailedForGood?: (collection: string, failures: Failure[]) => Promise<void>
  /** The realtime watch pulls this collection's edits: a pull's save does not write over a later one. */
  pullsLaterEdits?: (collection: SyncedCollection) => boolean
  /** Rows left for the watch to pull (left-for-pull.ts), once committed. */
  onLeftForPull?: (collection: SyncedCollection, ids: string[]) => void
}

export interface DeliverOptions {
  /**
   * Read Supabase's rows of the locked ids (after the locks are taken) and write only what differs:
   * the reconcile. Without it every document is written.
   */
  compare?: (ids: string[]) => Promise<Map<string, Row>>
  /**
   * With `compare`: write every row, also those Supabase holds as they are (`reset`). What compare
   * read still decides the deletes: a document that maps to no row is deleted when Supabase has one.
   */
  rewrite?: boolean
  /** A job that Payload's runner books itself (the task path): completed or failed by Payload, not here. */
  bookedElsewhere?: string
  /** The ids are the documents of this key range (a reconcile page): read them by range. */
  range?: KeyRange
  /** The caller records the edits its write replaces (the realtime watch's revert): no conflict too. */
  recorded?: boolean
}

export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  async deliver(
    collection: SyncedCollection,
    ids: readonly string[],
    options: DeliverOptions = {},
  ): Promise<DeliveryReport> {
    const started = performance.now()
    const requestsBefore = this.deps.target.requests
    const report: DeliveryReport = { outcomes: new Map(), requests: 0 }
    const unique = [...new Set(ids)]
    const level = options.compare ? 'debug' : 'info'
    try {
      await this.deps.db.reading(async (sql) => {
        await this.run(sql, collection, unique, options, report)
        // Logged before the commit, so that whoever sees a job completed or failed finds its line.
        logOutcomes(
          this.deps,
          collection,
          report.outcomes.values(),
          performance.now() - started,
          level,
        )
      })
      // Committed: these are failed for good now (one Sync event per run, with the causes).
      if (report.givenUp?.length) await this.failedForGood(collection.slug, report.givenUp)
      if (report.left?.length) this.deps.onLeftForPull?.(collection, report.left)
    } catch (cause) {
      report.givenUp = undefined
      report.left = undefined
      const failed = uncommitted(collection, unique, report, cause)
      logOutcomes(this.deps, collection, failed, performance.now() - started, level)
      // A compare-mode delivery (reconcile, sync, the realtime watch) may have had no job to fall
      // back on: one is queued for each document it could not finish, so that it stays retryable.
      if (options.compare && failed.length)
        await this.deps.db
          .transaction((sql) =>
            this.deps.jobs.enqueue(
              sql,
              failed.map((o) => ({ collection: collection.slug, id: o.id })),
            ),
          )
          .catch((err: unknown) =>
            this.deps.logger.error(
              { err, collection: collection.slug, op: 'deliver' },
              `${collection.slug}: could not queue a retry for ${failed.length} document(s) either; the next reconcile or check finds them`,
            ),
          )
    }
    report.requests = this.deps.target.requests - requestsBefore
    return report
  }

  /**
   * Records deliveries that failed for good (one Sync event, with the causes), never failing the
   * caller. Also for the task path, whose own job Payload's runner gives up (it cancels it), and
   * for jobs of a collection no longer synced.
   */
  async failedForGood(collection: string, failures: Failure[]): Promise<void> {
    await this.deps
      .onFailedForGood?.(collection, failures)
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { err, collection },
          'supabase-sync: could not record the failed deliveries',
        ),
      )
  }

  private async run(
    sql: Sql,
    collection: SyncedCollection,
    ids: string[],
    options: DeliverOptions,
    report: DeliveryReport,
  ): Promise<void> {
    const { payload, jobs, state } = this.deps
    // Each key is made once: a reconcile's page has a thousand documents, and what is made per
    // document lives until the page's write is done (promoted, then collected by a full collection).
    const keys = new Map<string, string>()
    for (const id of ids) keys.set(id, documentKey(collection.slug, id))
    const keyOf = (id: string) => keys.get(id)!
    const claim = await lockDocuments(sql, [...keys.values()])
    const locked: string[] = []
    for (const id of ids)
      if (claim.busy.has(keyOf(id))) report.outcomes.set(id, { id, op: 'none', outcome: 'busy' })
      else locked.push(id)
    if (!locked.length) return

    // Noted before the documents are read: these jobs' changes are in what is read next.
    const noted = (await jobs.forKeys(sql, locked.map(keyOf))).filter(
      (job) => job.id !== options.bookedElsewhere,
    )
    const jobsOf = new Map<string, JobRow[]>()
    for (const job of noted) {
      const of = jobsOf.get(job.key)
      if (of) of.push(job)
      else jobsOf.set(job.key, [job])
    }

    let mapped: Map<string, Row | null | MappingError>
    let actual: Map<string, Row> | undefined
    try {
      ;[mapped, actual] = await Promise.all([
        expectedRows(
          payload,
          collection,
          options.range ? { range: options.range } : { ids: locked },
        ),
        options.compare?.(locked),
      ])
    } catch (cause) {
      const error =
        cause instanceof SyncError
          ? cause
          : new SyncError(
              `${collection.slug}: reading the documents failed: ${describeCause(cause)}`,
              { collection: collection.slug, operation: 'load', kind: 'transient', cause },
            )
      const failures = locked.map((id) =>
        deliveryFailure(collection, id, error, jobsOf.get(keyOf(id)) ?? [], report),
      )
      if (error.kind === 'endpoint') report.endpointError = error
      report.givenUp = await jobs.book(sql, failures)
      return
    }

    const ignore = bookkeepingColumns(collection)
    const upserts: Row[] = []
    const deletes: string[] = []
    const failures: Failure[] = []
    const done: string[] = []
    for (const id of locked) {
      const row = mapped.get(id) ?? null
      if (row instanceof MappingError) {
        failures.push(deliveryFailure(collection, id, row, jobsOf.get(keyOf(id)) ?? [], report))
        continue
      }
      if (actual) {
        const have = actual.get(id)
        const fields = fieldsToWrite(row, have, ignore, options.rewrite)
        if (fields.length === 0) {
          report.outcomes.set(id, { id, op: 'none', outcome: 'unchanged' })
          done.push(id)
          continue
        }
        report.outcomes.set(id, {
          id,
          op: row === null ? 'delete' : 'upsert',
          outcome: 'failed',
          fields,
          rows: { payload: row, supabase: have ?? null },
        })
      }
      if (row === null) deletes.push(id)
      else upserts.push(row)
    }

    if (upserts.length || deletes.length) {
      // A job's delivery only: a reconcile, `sync` or `reset` makes Supabase equal Payload, full stop.
      // Not in the task path either: its own job (maybe an editor's save) is not among those noted.
      // Never a delete: a row left stays until a pull, and a pull takes no row whose document maps to none.
      const pulled =
        !options.compare && !options.bookedElsewhere && this.deps.pullsLaterEdits?.(collection)
          ? pullsOnly(
              upserts.map((row) => String(row[collection.spec.primaryKey])),
              (id) => jobsOf.get(keyOf(id)),
            )
          : undefined
      const applied = await applyPayloadWins(
        this.deps,
        sql,
        collection,
        { upserts, deletes, version: claim.version },
        { recorded: options.recorded, pulled },
      )
      const settle = (id: string, op: 'upsert' | 'delete', outcome: Outcome) => {
        const known = report.outcomes.get(id)
        if (known) {
          known.op = op
          known.outcome = outcome
        } else report.outcomes.set(id, { id, op, outcome })
        done.push(id)
      }
      for (const id of applied.written) settle(id, 'upsert', 'written')
      for (const id of applied.deleted) settle(id, 'delete', 'deleted')
      // Done: its jobs completed and Payload's row recorded as the one it stands for (so the watch's
      // pull of the later edit does not take Payload's state for a newer one).
      for (const id of applied.left) settle(id, 'upsert', 'left')
      if (applied.left.length) report.left = applied.left
      for (const [id, error] of applied.failed) {
        failures.push(deliveryFailure(collection, id, error, jobsOf.get(keyOf(id)) ?? [], report))
        if (error.kind === 'endpoint') report.endpointError ??= error
      }
    }

    const now = Date.now()
    for (const id of locked) {
      const outcome = report.outcomes.get(id)
      if (!outcome) continue
      const own = jobsOf.get(keyOf(id))
      outcome.attempts = (own ? Math.max(0, ...own.map((job) => job.totalTried)) : 0) + 1
      if (own) outcome.lagMs = now - Math.min(...own.map((job) => Date.parse(job.createdAt)))
    }
    await state.record(
      sql,
      done.map(keyOf),
      // Every id done has a row or null here: a mapping error is never done.
      done.map((id) => fingerprint((mapped.get(id) as Row | null | undefined) ?? null, ignore)),
    )
    const finished = new Set(noted.length ? done.map(keyOf) : [])
    await jobs.complete(
      sql,
      noted.filter((job) => finished.has(job.key)).map((job) => job.id),
    )
    // In the task path the document's own job is Payload's to book; only its other jobs are booked here.
    report.givenUp = await jobs.book(
      sql,
      options.bookedElsewhere ? failures.filter((f) => f.jobs.length > 0) : failures,
    )
  }
}
