/**
 * The monitor of one app instance: evaluates the alert rules every few seconds (when alerts go
 * somewhere), turns what the reconcile and the checks report into alerts, runs the queue of the
 * scheduled checks and of alert sends (Payload's schedules decide when a check is due, once across
 * instances), and flushes the per-minute rollups. Stopped with Payload.
 */
import { createLocalReq, type Payload, type PayloadRequest } from 'payload'
import type { Logger } from 'pino'
import type { CheckResult } from './health.js'
import type { ResolvedOptions } from '../options.js'
import type { JobCounts, JobStore } from '../queue/jobs.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import { AlertStore } from './alert-store.js'
import { AlertTransitions, type AlertEvent } from './alert-transitions.js'
import type { SyncMetrics } from './metrics.js'
import type { Rollups } from './rollups.js'
import type { PayloadDatabase } from '../queue/database.js'
import { lockNamespace } from '../queue/locks.js'

export interface MonitorDeps {
  payload: Payload
  db: PayloadDatabase
  jobs: JobStore
  target: SupabaseTarget
  collections: Map<string, SyncedCollection>
  options: ResolvedOptions
  logger: Logger
  metrics: SyncMetrics
  /** Per-minute history, when kept (`history`). */
  rollups?: Rollups
  /** Why delivery is paused, if it is. */
  paused: () => string | undefined
  /** Records an alert's event in the transaction of `req` (its change of state and sends commit with it). */
  record: (event: AlertEvent, req: PayloadRequest) => Promise<void>
}

/** Whether a task runs on a schedule on the checks queue: the checks, the events' retention. */
const scheduled = (options: ResolvedOptions) =>
  options.checks.schedule !== false || options.events.retentionDays !== false

export class Monitor {
  readonly rollups?: Rollups
  private readonly alerts?: AlertStore
  private readonly transitions?: AlertTransitions
  private readonly timers: NodeJS.Timeout[] = []
  private downSince: number | undefined
  /**
   * Catches of rows changed in Supabase directly, per collection: when this instance's last came and
   * how many rows its burst had, for the alert's text. When the burst is over is the alert store's
   * to say (`quietFor`): any instance resolves it, this one may be gone by then.
   */
  private readonly bursts = new Map<string, { last: number; count: number }>()
  /** Evaluations done (tests wait for some to have happened, not for time to pass). */
  evaluations = 0
  private evaluating = false
  private stopped = false

  constructor(private readonly deps: MonitorDeps) {
    const { options, db } = deps
    this.rollups = deps.rollups
    const alerts = options.alerts
    if (alerts && (alerts.webhook || alerts.email || alerts.onAlert)) {
      this.alerts = new AlertStore(db)
      this.transitions = new AlertTransitions({
        payload: deps.payload,
        store: this.alerts,
        options,
        logger: deps.logger,
        record: deps.record,
        queued: () => void this.runChecksQueue().catch(() => {}),
      })
    }
  }

  start(): void {
    const { options, payload } = this.deps
    const every = (ms: number, run: () => Promise<void>) => {
      const timer = setInterval(
        () =>
          void run().catch(
            (err: unknown) =>
              !this.stopped &&
              this.deps.logger.warn({ err }, 'supabase-sync: monitoring step failed'),
          ),
        ms,
      )
      timer.unref()
      this.timers.push(timer)
    }
    if (this.rollups) every(15_000, () => this.rollups!.flush())
    if (this.alerts) every(options.alerts!.evaluateEvery, () => this.evaluate())
    // The evaluation samples the pending changes as it reads the job counts; without alerts the
    // history's pending chart needs its own samples.
    else if (this.rollups) every(15_000, async () => void (await this.countJobs()))
    if (scheduled(options) || this.alerts)
      every(Math.min(5_000, options.alerts?.evaluateEvery ?? 5_000), () => this.runChecksQueue())
    payload.crons.push({ stop: () => this.stop() } as unknown as (typeof payload.crons)[number])
  }

  /**
   * Payload's schedules queue a check when it is due; its jobs (checks, alert sends) run here. One
   * instance at a time: Payload claims a job by reading it and then marking it `processing`, so two
   * instances running the queue at once can both claim one job and send one alert twice (seen in
   * test/monitoring under load). A try-lock that is busy means another instance is running it.
   */
  async runChecksQueue(): Promise<void> {
    if (this.stopped) return
    const { payload, options, db } = this.deps
    const queue = options.checks.queue
    await db.transaction(async (sql) => {
      const { rows } = await sql.query<{ ok: boolean }>(
        `select pg_try_advisory_xact_lock(${lockNamespace}, hashtext($1)) as ok`,
        [`queue:${queue}`],
      )
      if (!rows[0]?.ok || this.stopped) return
      // On a connection of its own, committed at once: a row lock on the jobs table held through the
      // run below (whose queries use other connections) made any DDL on the table (a migration, a dev
      // server's schema push) wait for this transaction while the run's queries waited behind the DDL
      // — every instance hung for good (the likely cause of a hang seen once in test/processes).
      const released = await this.deps.jobs.releaseStaleOfQueue(db, queue)
      if (released)
        this.deps.logger.warn(
          { op: 'release', released, queue },
          `supabase-sync: ${released} jobs of the queue ${queue} were left processing by a runner that died; pending again`,
        )
      // Queued alerts are sent even when the schedules cannot be handled (they throw for a pattern
      // croner refuses; the options check ours, not a task of the app's on this queue).
      if (scheduled(options))
        await payload.jobs
          .handleSchedules({ queue, req: await createLocalReq({}, payload) } as never)
          .catch((err: unknown) =>
            this.deps.logger.warn(
              { err, queue },
              `supabase-sync: the schedules of the queue ${queue} could not be handled; its queued jobs run all the same`,
            ),
          )
      await payload.jobs.run({ queue, limit: 10, silent: true } as never)
    })
  }

  /** Evaluates the rules that watch the running sync: Supabase reachable, failed jobs, waiting jobs. */
  async evaluate(): Promise<void> {
    if (!this.alerts || this.evaluating || this.stopped) return
    this.evaluating = true
    const observedAt = new Date()
    try {
      const { target, collections, options } = this.deps
      const rules = options.alerts!.rules
      const first = collections.values().next().value as SyncedCollection | undefined
      const failure = first ? await target.probe(first.spec) : null
      const up = !failure || failure.kind === 'endpoint'
      this.deps.metrics.up(up)
      if (up) this.downSince = undefined
      else this.downSince ??= Date.now()
      if (rules.unreachableFor !== false) {
        const downFor = this.downSince === undefined ? 0 : Date.now() - this.downSince
        // Down, but not for long enough yet: neither fires nor resolves. Resolving there would let a
        // second instance, which has just started to see the outage, undo the alert the first fired.
        await this.transitions?.set({
          rule: 'supabase-unreachable',
          holds:
            this.downSince === undefined
              ? false
              : downFor >= rules.unreachableFor
                ? true
                : undefined,
          text: `Supabase has not answered for ${Math.round(downFor / 1000)} s${failure ? `: ${failure.message.split(' — ')[0]}` : ''}`,
          counts: { seconds: Math.round(downFor / 1000) },
          // The outage this instance sees began at downSince: if another instance has resolved the
          // alert since (it saw Supabase answer), this streak is not evidence of a new outage.
          observedAt: this.downSince === undefined ? observedAt : new Date(this.downSince),
        })
      }
      const counts = await this.countJobs()
      if (rules.failedJobs)
        await this.transitions?.set({
          rule: 'failed-jobs',
          holds: counts.failed > 0,
          text: `${counts.failed} sync deliveries failed for good`,
          counts: { failed: counts.failed },
          observedAt,
        })
      if (rules.pendingOlderThan !== false) {
        const age = counts.oldestPendingAgeMs ?? 0
        await this.transitions?.set({
          rule: 'pending-age',
          holds: age > rules.pendingOlderThan,
          text: `the oldest pending change has waited ${Math.round(age / 1000)} s`,
          counts: { seconds: Math.round(age / 1000), pending: counts.pending },
          observedAt,
        })
      }
      const quiet = rules.externalChange
      const prefix = 'external-change:'
      if (quiet !== false)
        for (const { key } of await this.alerts.firing())
          if (key.startsWith(prefix))
            await this.transitions?.set({
              rule: 'external-change',
              collection: key.slice(prefix.length),
              holds: false,
              text: '',
              quietFor: quiet,
            })
    } finally {
      this.evaluations++
      this.evaluating = false
    }
  }

  /** The job counts, the pending changes sampled for the history. */
  private async countJobs(): Promise<JobCounts> {
    const counts = await this.deps.jobs.counts()
    if (!this.stopped) this.rollups?.pending(counts.pending)
    return counts
  }

  /** What a check found (a scheduled one, or any full validate). */
  async checked(collection: string, check: CheckResult, ids: string[] = []): Promise<void> {
    if (!this.alerts || !this.deps.options.alerts!.rules.drift) return
    const total = check.missing + check.extra + check.changed + check.failed
    await this.transitions?.set({
      rule: 'drift',
      collection,
      holds: total > 0,
      text: `${collection}: ${check.missing} missing, ${check.extra} extra, ${check.changed} changed, ${check.failed} unmappable in Supabase`,
      counts: {
        missing: check.missing,
        extra: check.extra,
        changed: check.changed,
        failed: check.failed,
      },
      ids,
      observedAt: new Date(check.startedAt ?? check.at),
    })
  }

  /** Rows changed in Supabase directly, just caught: one alert for a burst, resolved once it has been quiet. */
  async externalChanges(collection: string, ids: string[]): Promise<void> {
    const quiet = this.deps.options.alerts?.rules.externalChange
    if (!this.alerts || quiet === false || quiet === undefined) return
    const burst = this.bursts.get(collection)
    const count = (burst && Date.now() - burst.last < quiet ? burst.count : 0) + ids.length
    this.bursts.set(collection, { last: Date.now(), count })
    await this.transitions?.set({
      rule: 'external-change',
      collection,
      holds: true,
      text: `${collection}: ${count} row(s) changed in Supabase directly, not through Payload`,
      counts: { rows: count },
      ids,
      quietFor: quiet,
    })
  }

  /** How a startup reconcile ended: failed (and retrying), refused by the mass-delete guard, or fine. */
  async reconciled(
    collection: string,
    /** `skipped`: another full reconcile ran since this instance started (its own is not needed). */
    outcome: { failed?: string; guard?: string; skipped?: boolean },
  ): Promise<void> {
    if (!this.alerts) return
    const rules = this.deps.options.alerts!.rules
    if (rules.startupReconcile)
      await this.transitions?.set({
        rule: 'startup-reconcile',
        collection,
        holds: Boolean(outcome.failed),
        text: `${collection}: the startup reconcile failed: ${outcome.failed ?? ''}`,
      })
    if (rules.massDelete && !outcome.failed && !outcome.skipped)
      await this.transitions?.set({
        rule: 'mass-delete',
        collection,
        holds: Boolean(outcome.guard),
        text: `${collection}: ${outcome.guard ?? ''}`,
      })
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers) clearInterval(timer)
    void this.rollups?.flush(true).catch(() => {})
  }
}
