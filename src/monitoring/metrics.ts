/**
 * The sync's metrics for Prometheus, on the plugin's own registry (never prom-client's global one, so
 * that an app's own metrics are untouched; `registry` is exported for an app with its own /metrics to
 * merge). Counters and histograms are fed as things happen; the job gauges are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { OutcomeTally } from '../queue/outcomes.js'

export interface JobGaugeSource {
  counts(): Promise<{
    pending: number
    retrying: number
    failed: number
    oldestPendingAgeMs: number | null
    processing: number
  }>
}

export interface Drift {
  missing: number
  extra: number
  changed: number
}

export interface CheckSource {
  /** The newest full check of each collection, whichever instance ran it. */
  lastChecks(): Promise<ReadonlyMap<string, Drift & { at: string }>>
}

/** One read of `read` per scrape, shared by the gauges that collect from it (each collects on its own). */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined
  return () => (current ??= read().finally(() => setImmediate(() => (current = undefined))))
}

export class SyncMetrics {
  readonly registry = new Registry()
  private readonly deliveries = new Counter({
    name: 'supabase_sync_deliveries_total',
    help: 'Documents delivered to Supabase, by outcome',
    labelNames: ['collection', 'outcome'],
    registers: [this.registry],
  })
  private readonly requests = new Counter({
    name: 'supabase_sync_requests_total',
    help: 'Requests to Supabase, by method and HTTP status (0: no response)',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  })
  private readonly requestSeconds = new Histogram({
    name: 'supabase_sync_request_duration_seconds',
    help: 'Duration of requests to Supabase',
    labelNames: ['method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  private readonly lagSeconds = new Histogram({
    name: 'supabase_sync_lag_seconds',
    help: 'From the save that queued a change to its row in Supabase',
    labelNames: ['collection'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  })
  private readonly reconciles = new Counter({
    name: 'supabase_sync_reconciles_total',
    help: 'Reconciles (startup, sync, reset), by outcome',
    labelNames: ['collection', 'outcome'],
    registers: [this.registry],
  })
  private readonly reconcileSeconds = new Histogram({
    name: 'supabase_sync_reconcile_duration_seconds',
    help: 'Duration of reconciles',
    labelNames: ['collection'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  })
  private readonly conflicts = new Counter({
    name: 'supabase_sync_conflicts_total',
    help: 'Rows Supabase held in a version the plugin never wrote; Payload won',
    labelNames: ['collection'],
    registers: [this.registry],
  })
  private readonly externals = new Counter({
    name: 'supabase_sync_external_changes_total',
    help: 'Rows changed in Supabase directly (not by the plugin), caught by the realtime watch, by what was done',
    labelNames: ['collection', 'outcome'],
    registers: [this.registry],
  })
  private readonly supabaseUp = new Gauge({
    name: 'supabase_sync_supabase_up',
    help: '1 when Supabase answered the last request, 0 when it did not',
    registers: [this.registry],
  })

  private watching = false
  private watchingChecks = false

  /** The job gauges, read from `jobs` at scrape time (once per scrape for all of them). */
  watchJobs(jobs: JobGaugeSource): void {
    if (this.watching) return
    this.watching = true
    const read = oncePerScrape(() => jobs.counts())
    const gauge = (
      name: string,
      help: string,
      pick: (c: Awaited<ReturnType<JobGaugeSource['counts']>>) => number,
    ) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await read()))
        },
      })
    gauge(
      'supabase_sync_jobs_pending',
      'Sync jobs waiting for delivery (due or backing off)',
      (c) => c.pending,
    )
    gauge(
      'supabase_sync_jobs_retrying',
      'Sync jobs waiting out a backoff after a failure',
      (c) => c.retrying,
    )
    gauge(
      'supabase_sync_jobs_processing',
      'Documents being delivered right now (all instances)',
      (c) => c.processing,
    )
    gauge(
      'supabase_sync_jobs_failed',
      'Sync jobs failed for good (a row Supabase refuses, a mapping error)',
      (c) => c.failed,
    )
    gauge(
      'supabase_sync_oldest_pending_age_seconds',
      'Age of the oldest waiting sync job',
      (c) => (c.oldestPendingAgeMs ?? 0) / 1000,
    )
  }

  delivered(collection: string, tally: OutcomeTally): void {
    for (const [outcome, count] of Object.entries(tally.counts))
      if (count) this.deliveries.inc({ collection, outcome }, count)
    for (const lag of tally.lags)
      this.lagSeconds.observe({ collection }, Math.max(0, lag.ms) / 1000)
  }

  request(method: string, status: number, ms: number): void {
    this.requests.inc({ method, status: String(status) })
    this.requestSeconds.observe({ method }, ms / 1000)
    this.supabaseUp.set(status > 0 && status < 500 ? 1 : 0)
  }

  reconciled(collection: string, outcome: 'ok' | 'failed', ms: number): void {
    this.reconciles.inc({ collection, outcome })
    this.reconcileSeconds.observe({ collection }, ms / 1000)
  }

  conflict(collection: string, count: number): void {
    this.conflicts.inc({ collection }, count)
  }

  externalChanges(collection: string, outcome: string, count: number): void {
    this.externals.inc({ collection, outcome }, count)
  }

  /**
   * The drift gauges, read at scrape time from the newest check of any instance: the checks run on
   * whichever instance takes their queue, and a gauge of this instance's own last check showed
   * another instance's older findings (or none) to the scraper that reached it.
   */
  watchChecks(checks: CheckSource): void {
    if (this.watchingChecks) return
    this.watchingChecks = true
    const read = oncePerScrape(() => checks.lastChecks())
    new Gauge({
      name: 'supabase_sync_drift_rows',
      help: 'Differences found by the last check (of any instance), by kind',
      labelNames: ['collection', 'kind'],
      registers: [this.registry],
      async collect() {
        this.reset()
        for (const [collection, check] of await read())
          for (const kind of ['missing', 'extra', 'changed'] as const)
            this.set({ collection, kind }, check[kind])
      },
    })
    new Gauge({
      name: 'supabase_sync_drift_checked_timestamp_seconds',
      help: 'When the drift was last checked (by any instance)',
      labelNames: ['collection'],
      registers: [this.registry],
      async collect() {
        this.reset()
        for (const [collection, check] of await read())
          this.set({ collection }, Date.parse(check.at) / 1000)
      },
    })
  }

  up(up: boolean): void {
    this.supabaseUp.set(up ? 1 : 0)
  }

  /** The text format Prometheus scrapes. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }
}
