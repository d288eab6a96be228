/**
 * Runs the sync queue in this process, so that delivery is prompt without any setup: right after a
 * transaction that queued a job commits, and on a sweep (jobs of earlier processes, retries that came
 * due). Payload's `jobs.autoRun` only runs with `getPayload({ cron: true })`; this runner also works in
 * a plain Local API script. It is registered in `payload.crons`, so `payload.destroy()` stops it.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import type { SyncError } from '../errors.js'
import type { QueueOptions } from '../options.js'
import { logDelivered, type DeliveryResult } from './deliver.js'
import { findRuntime, type SyncRuntime } from './runtime.js'
import { syncTaskSlug } from './task.js'

type TransactionID = number | string | undefined

/** A sync job as the runner claims it. */
interface ClaimedJob {
  id: string
  input: { collection?: unknown; id?: unknown } | null
  concurrencyKey: string | null
  totalTried: number
}

/** The adapter's raw SQL (the postgres adapter): one statement where Payload's API writes row by row. */
interface SqlAdapter {
  execute?: (args: { drizzle: unknown; raw: string }) => Promise<{ rowCount?: number | null; rows?: unknown[] } | undefined>
  drizzle?: unknown
  tables?: Record<string, Record<string, { name?: unknown } | undefined> | undefined>
  tableNameMap?: Map<string, string>
  schemaName?: string
}

/** The jobs table's name and columns, quoted for SQL. */
type JobsTable = Record<'table' | 'id' | 'input' | 'taskSlug' | 'queue' | 'processing' | 'hasError' | 'completedAt' | 'waitUntil' | 'concurrencyKey' | 'totalTried' | 'createdAt' | 'updatedAt', string>

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`

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
  /** The jobs table for raw SQL; null: the adapter has none (Payload's runner does everything). */
  private jobsTable: JobsTable | null | undefined
  private probing = false
  /** Backlog wakes after a successful probe in the current failing spell, and when the last one was. */
  private probeWakes = 0
  private lastProbeWake = 0

  constructor(
    private readonly payload: Payload,
    private readonly queue: QueueOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.queue.runAfterCommit) this.watchCommits()
    if (this.queue.sweepInterval !== false) {
      this.timer = setInterval(() => {
        this.kick()
        if (this.failing) void this.probe()
      }, this.queue.sweepInterval)
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

  /**
   * Runs the due sync jobs, `queue.limit` at a time. With the postgres adapter the runner claims them
   * itself (see deliverDue); otherwise, and for what Payload keeps (completed jobs, job hooks), Payload's
   * runner runs them.
   */
  private async drain(): Promise<void> {
    if (Date.now() - this.lastStaleCheck > this.queue.staleAfter / 4) {
      this.lastStaleCheck = Date.now()
      await this.release(new Date(Date.now() - this.queue.staleAfter), 'before')
    }
    const table = this.fastPath()
    /** Failed deliveries being booked by Payload's runner, by concurrency key. */
    const booking = new Map<string, Promise<void>>()
    try {
      // Bounded: jobs that keep failing wait for their backoff, so a run finds none and stops.
      for (let round = 0; round < 100 && !this.stopped; round++) {
        if (table) {
          if ((await this.deliverDue(table, booking)) === 0) return
          continue
        }
        const runStarted = new Date()
        try {
          const result = await this.payload.jobs.run({ queue: this.queue.name, limit: this.queue.limit, where: { taskSlug: { equals: syncTaskSlug } }, silent: { info: true } })
          if (result.noJobsRemaining) return
        } catch (err) {
          if (this.stopped) return
          this.logger.warn({ err }, 'supabase-sync: a run of the sync queue failed; releasing the jobs it had claimed')
          // Payload claims jobs one by one; a job deleted in between makes the claim throw after the others
          // were marked processing, and they would stay so, blocking their keys.
          await this.release(runStarted, 'since')
        }
      }
    } finally {
      await Promise.all(booking.values())
    }
  }

  /** The jobs table's name and columns for raw SQL; null when the database adapter has no raw SQL. */
  private table(): JobsTable | null {
    if (this.jobsTable !== undefined) return this.jobsTable
    const db = this.payload.db as unknown as SqlAdapter
    this.jobsTable = null
    if (typeof db.execute !== 'function' || !db.drizzle || !db.tables) return null
    const tableName = db.tableNameMap?.get('payload_jobs') ?? 'payload_jobs'
    const columns = db.tables[tableName]
    const table = { table: `${db.schemaName ? `${ident(db.schemaName)}.` : ''}${ident(tableName)}` } as JobsTable
    for (const field of ['id', 'input', 'taskSlug', 'queue', 'processing', 'hasError', 'completedAt', 'waitUntil', 'concurrencyKey', 'totalTried', 'createdAt', 'updatedAt'] as const) {
      const name = columns?.[field]?.name
      if (typeof name !== 'string') return null
      table[field] = ident(name)
    }
    this.jobsTable = table
    return table
  }

  /**
   * The jobs table, when the runner may claim and complete sync jobs itself: Payload's runner claims
   * the jobs of a run one UPDATE at a time and writes each job 2-3 times more, some milliseconds per job
   * — seconds for a bulk edit of a thousand documents before the last of them is delivered. Not when
   * Payload is to keep completed jobs or run the jobs collection's hooks.
   */
  private fastPath(): JobsTable | null {
    const jobs = this.payload.config.jobs as { deleteJobOnComplete?: boolean; runHooks?: boolean }
    if (jobs.deleteJobOnComplete === false || jobs.runHooks) return null
    return this.table()
  }

  private async sql<T = Record<string, unknown>>(raw: string): Promise<{ rows: T[]; rowCount: number }> {
    const db = this.payload.db as unknown as SqlAdapter
    const result = await db.execute!({ drizzle: db.drizzle, raw })
    return { rows: (result?.rows ?? []) as T[], rowCount: result?.rowCount ?? 0 }
  }

  /**
   * One round: claims up to `queue.limit` due sync jobs in one statement — the oldest job of each
   * document whose key is not processing anywhere, the rules Payload's runner and its concurrency
   * control apply — delivers them together (one load, deletes first, upserts in batches), then
   * completes the delivered ones in one statement, as Payload would (its jobs are deleted on
   * completion), with the task's log line and the superseded jobs dropped as the task does. Failed
   * deliveries go back to Payload's runner with their error (Deliverer.prime): the task books the
   * attempt, the backoff or the cancellation, without trying again. Returns the number of jobs claimed.
   */
  private async deliverDue(t: JobsTable, booking: Map<string, Promise<void>>): Promise<number> {
    const runtime = findRuntime(this.payload)
    if (!runtime) return 0
    const started = performance.now()
    const busy = [...booking.keys()]
    let claimed: ClaimedJob[]
    try {
      ;({ rows: claimed } = await this.sql<ClaimedJob>(
        `with due as (select distinct on (j.${t.concurrencyKey}) j.${t.id} as id, j.${t.createdAt} as created_at from ${t.table} j ` +
          `where j.${t.taskSlug} = ${literal(syncTaskSlug)} and j.${t.queue} = ${literal(this.queue.name)} and j.${t.processing} = false ` +
          `and coalesce(j.${t.hasError}, false) = false and j.${t.completedAt} is null and (j.${t.waitUntil} is null or j.${t.waitUntil} < now()) ` +
          `and not exists (select 1 from ${t.table} p where p.${t.concurrencyKey} = j.${t.concurrencyKey} and p.${t.processing} = true) ` +
          (busy.length ? `and j.${t.concurrencyKey} not in (${busy.map(literal).join(', ')}) ` : '') +
          `order by j.${t.concurrencyKey}, j.${t.createdAt}, j.${t.id}), ` +
          // Rows another runner is claiming (locked) are skipped, never waited for: no deadlock with it.
          `picked as (select j.${t.id} as id from ${t.table} j where j.${t.id} in (select id from due) ` +
          `order by j.${t.createdAt}, j.${t.id} limit ${Math.trunc(this.queue.limit)} for update skip locked) ` +
          `update ${t.table} c set ${t.processing} = true, ${t.updatedAt} = now() from picked ` +
          // Re-checked on the row: a job another runner claimed meanwhile is left to it.
          `where c.${t.id} = picked.id and c.${t.processing} = false and c.${t.completedAt} is null ` +
          `returning c.${t.id}::text as "id", c.${t.input} as "input", c.${t.concurrencyKey} as "concurrencyKey", coalesce(c.${t.totalTried}, 0) as "totalTried"`,
      ))
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err }, 'supabase-sync: could not claim the due sync jobs')
      return 0
    }
    if (!claimed.length) return 0
    // numeric columns come back as strings
    for (const job of claimed) job.totalTried = Number(job.totalTried) || 0

    const valid = claimed.filter((job) => typeof job.input?.collection === 'string' && typeof job.input?.id === 'string')
    const keyOf = (job: ClaimedJob) => `${String(job.input?.collection)}:${String(job.input?.id)}`
    const superseder = runtime.superseder as SyncRuntime['superseder'] | undefined
    let outcomes: Array<DeliveryResult | SyncError>
    let siblings: string[][] = []
    try {
      // Looked up before the documents are loaded: these jobs' changes are in what is delivered.
      if (superseder) siblings = await Promise.all(valid.map((job) => superseder.pendingSiblings(job.concurrencyKey ?? keyOf(job), job.id)))
      outcomes = await runtime.deliverer.deliverMany(valid.map((job) => ({ collection: String(job.input!.collection), id: String(job.input!.id) })))
    } catch (err) {
      // Unexpected (deliverMany reports failures per document): Payload's runner runs them as usual.
      this.logger.warn({ err }, 'supabase-sync: delivering the claimed sync jobs failed; handing them to the jobs runner')
      this.book(t, claimed, new Map(), booking)
      return claimed.length
    }

    const done: string[] = []
    const redundant: string[] = []
    const failed = new Map<string, SyncError>()
    const toBook = claimed.filter((job) => !valid.includes(job))
    valid.forEach((job, i) => {
      const outcome = outcomes[i]
      if (outcome instanceof Error) {
        failed.set(keyOf(job), outcome)
        toBook.push(job)
        return
      }
      done.push(job.id)
      redundant.push(...(siblings[i] ?? []))
      logDelivered(this.logger, outcome, job.totalTried + 1, performance.now() - started, job.id)
    })
    if (done.length) this.noteSuccess()
    if ([...failed.values()].some((error) => error.transient)) this.noteFailure()
    if (toBook.length) this.book(t, toBook, failed, booking)
    await Promise.all([
      // Completed: deleted, as Payload deletes a job on completion.
      done.length
        ? this.payload.db.deleteMany({ collection: 'payload-jobs', where: { id: { in: done } } } as never).catch((err: unknown) => {
            // They stay processing until staleAfter releases them; a second delivery writes the same row.
            if (!this.stopped) this.logger.warn({ err, jobs: done.length }, 'supabase-sync: could not complete delivered sync jobs')
          })
        : undefined,
      redundant.length && superseder
        ? superseder.drop(redundant).catch((err: unknown) => this.logger.debug({ err }, 'could not drop superseded jobs'))
        : undefined,
    ])
    return claimed.length
  }

  /**
   * Hands claimed jobs back to Payload's runner, in the background: released, then run by id. Their
   * documents are not claimed again by this runner until that run is over.
   */
  private book(t: JobsTable, jobs: ClaimedJob[], errors: Map<string, SyncError>, booking: Map<string, Promise<void>>): void {
    const runtime = findRuntime(this.payload)
    const ids = jobs.map((job) => job.id)
    const keys = jobs.map((job) => job.concurrencyKey ?? `job:${job.id}`)
    runtime?.deliverer.prime(errors)
    let run: Promise<void> | undefined = undefined
    run = (async () => {
      const runStarted = new Date()
      try {
        await this.sql(`update ${t.table} set ${t.processing} = false where ${t.id} in (${ids.map(literal).join(', ')})`)
        await this.payload.jobs.run({
          queue: this.queue.name,
          limit: ids.length,
          where: { and: [{ taskSlug: { equals: syncTaskSlug } }, { id: { in: ids } }] },
          silent: { info: true },
        })
      } catch (err) {
        if (!this.stopped) {
          this.logger.warn({ err }, 'supabase-sync: a run of the sync queue failed; releasing the jobs it had claimed')
          await this.release(runStarted, 'since', ids)
        }
      } finally {
        runtime?.deliverer.unprime(errors.keys())
        for (const key of keys) if (booking.get(key) === run) booking.delete(key)
      }
    })()
    for (const key of keys) booking.set(key, run)
  }

  /**
   * Marks sync jobs as not processing again: those claimed since `at` (a run that failed), or those
   * processing since before `at` (a process that died mid-run). Delivery is idempotent, so a job
   * released while something still runs it costs a duplicate write at worst, never a wrong row.
   */
  private async release(at: Date, mode: 'since' | 'before', ids?: string[]): Promise<void> {
    try {
      const { docs } = await this.payload.update({
        collection: 'payload-jobs',
        where: {
          and: [
            { taskSlug: { equals: syncTaskSlug } },
            ...(ids ? [{ id: { in: ids } }] : []),
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
    this.probeWakes = 0
    void this.wakeBacklog()
  }

  /**
   * While deliveries fail, each sweep asks Supabase (one HEAD request) whether it answers again, so
   * that the backlog does not wait out its backoff after an outage. A reachable Supabase whose
   * deliveries keep failing wakes the backlog no more often than the jobs' own backoff would.
   */
  private async probe(): Promise<void> {
    if (this.probing || this.stopped) return
    const spacing = this.probeWakes === 0 ? 0 : Math.min(this.queue.maxBackoff, this.queue.backoff * 2 ** (this.probeWakes - 1))
    if (Date.now() - this.lastProbeWake < spacing) return
    const runtime = findRuntime(this.payload)
    const collection = runtime?.collections.values().next().value
    if (!runtime || !collection) return
    this.probing = true
    try {
      const { error } = await runtime.target.client
        .from(collection.spec.table)
        .select(collection.spec.primaryKey, { head: true })
        .limit(1)
        .abortSignal(AbortSignal.timeout(runtime.options.timeoutMs))
      if (error) {
        // Still down: when it answers, that is a new recovery, woken at once.
        this.probeWakes = 0
        return
      }
      if (!this.failing || this.stopped) return
      this.probeWakes++
      this.lastProbeWake = Date.now()
      const woken = await this.wakeBacklog()
      if (woken === 0) {
        // Nothing waits out a backoff: nothing to recover (a job failing now says so again).
        this.failing = false
        this.probeWakes = 0
      } else {
        this.logger.info({ op: 'probe', woken }, 'supabase-sync: Supabase answers again; the waiting sync jobs are due now')
      }
    } catch {
      this.probeWakes = 0
    } finally {
      this.probing = false
    }
  }

  /** Makes the sync jobs waiting out a backoff due now; resolves with how many (undefined: unknown). */
  private async wakeBacklog(): Promise<number | undefined> {
    let woken: number | undefined
    try {
      woken = await this.wakeBacklogSql()
      if (woken === undefined) {
        const { docs } = await this.payload.update({
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
        woken = docs.length
      }
      this.kick()
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err }, 'supabase-sync: could not wake the backlog')
    }
    return woken
  }

  /**
   * The backlog's wake-up as one UPDATE (Payload's update would write the jobs one by one, seconds for
   * a thousand). Rows locked by a claim or a failing job are skipped, so it never waits on (or
   * deadlocks with) a run. Undefined when the database adapter has no raw SQL.
   */
  private async wakeBacklogSql(): Promise<number | undefined> {
    const t = this.table()
    if (!t) return undefined
    const { rowCount } = await this.sql(
      `update ${t.table} set ${t.waitUntil} = null where ${t.id} in (select ${t.id} from ${t.table} ` +
        `where ${t.taskSlug} = ${literal(syncTaskSlug)} and ${t.queue} = ${literal(this.queue.name)} and ${t.processing} = false ` +
        `and coalesce(${t.hasError}, false) = false and ${t.completedAt} is null and ${t.waitUntil} > now() for update skip locked)`,
    )
    this.logger.debug({ woken: rowCount }, 'supabase-sync: woke the waiting sync jobs')
    return rowCount
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.restore?.()
    await this.running
  }
}
