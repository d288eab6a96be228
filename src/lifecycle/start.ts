/**
 * onInit: build the plugin's parts for this Payload, register them, start the runner and the startup
 * reconcile (in the background: startup is not held up by Supabase's latency or an outage).
 */
import type { Payload } from 'payload'
import { pluginLogger } from '../log.js'
import { checkSelects } from './select-check.js'
import type { ResolvedOptions } from '../options.js'
import { recordEvent } from '../ops/audit.js'
import { Runs } from '../ops/runs.js'
import { PayloadDatabase } from '../queue/database.js'
import { Delivery } from '../queue/delivery.js'
import { JobStore } from '../queue/jobs.js'
import { QueueRunner } from '../queue/runner.js'
import { StateStore } from '../queue/state.js'
import { loadLastChecks } from '../monitoring/last-checks.js'
import { SyncMetrics } from '../monitoring/metrics.js'
import { Monitor } from '../monitoring/monitor.js'
import { Rollups } from '../monitoring/rollups.js'
import { deliveringCount } from '../queue/locks.js'
import { createServiceClient } from '../supabase/client.js'
import { SupabaseTarget } from '../supabase/target.js'
import { syncedCollections } from '../synced.js'
import { cliMode, setRuntime } from './registry.js'
import { releaseStaleJobs } from '../queue/stale.js'
import type { SyncRuntime } from './runtime.js'
import { startWatch } from './watch.js'
import { startupReconcile } from './startup-reconcile.js'
import { checkIdTypes } from './id-types.js'
import { LateWriteRechecks } from '../queue/late-writes.js'
import { hasDrafts } from './reload.js'
import { unusedRealtimeOptions } from '../realtime/unused-options.js'

export async function startSync(payload: Payload, options: ResolvedOptions): Promise<SyncRuntime> {
  const logger = pluginLogger(options.logger ?? payload.logger)
  const collections = syncedCollections(options, (slug) => hasDrafts(payload, slug))
  checkIdTypes(payload, collections)
  await checkSelects(payload, collections, options, logger)
  for (const { option, message } of unusedRealtimeOptions(options)) logger.warn({ option }, message)
  const supabase = options.supabase!
  const db = new PayloadDatabase(payload, options.queue.staleAfter)
  const metrics = new SyncMetrics()
  const rollups =
    options.history && !cliMode() ? new Rollups(db, options.history.retentionDays) : undefined
  const client =
    'client' in supabase
      ? supabase.client
      : await createServiceClient(supabase.url, supabase.serviceRoleKey, (method, status, ms) => {
          metrics.request(method, status, ms)
          rollups?.requested()
        })
  // Plain writes without an answer are delivered again once a late commit of theirs is past.
  let late: LateWriteRechecks | undefined
  const target = new SupabaseTarget(client, {
    retry: options.retry,
    writeMode: options.writeMode,
    timeoutMs: options.timeoutMs,
    maxRows: options.maxRows,
    logger,
    onUnanswered: (collection, ids) => late?.schedule(collection, ids),
  })
  const jobs = new JobStore(
    db,
    options.queue,
    (payload.config.jobs as { deleteJobOnComplete?: boolean }).deleteJobOnComplete !== false,
  )
  const state = new StateStore(db)
  if (options.writeMode === 'upsert') {
    const queued = () => runtime.runner?.kick()
    late = new LateWriteRechecks({ db, jobs, logger, queued }, options.retry.lateWriteRecheck)
    payload.crons.push({ stop: () => late?.stop() } as unknown as (typeof payload.crons)[number])
  }
  const delivery = new Delivery({
    payload,
    db,
    jobs,
    state,
    target,
    batchSize: options.batchSize,
    logger,
    observe: (collection, tally) => {
      metrics.delivered(collection.slug, tally)
      const { written = 0, deleted = 0, failed = 0 } = tally.counts
      if (written + deleted + failed)
        rollups?.delivered(
          collection.slug,
          { deliveries: written + deleted, failures: failed },
          tally.lags.map((lag) => lag.ms),
        )
    },
    onFailedForGood: (collection, failures) => {
      const first = failures[0].error
      return recordEvent(
        { payload, logger },
        {
          action: 'delivery',
          collectionSlug: collection,
          outcome: 'failed',
          summary: `${failures.length} ${failures.length === 1 ? 'delivery' : 'deliveries'} failed for good (fix the cause, then retry): ${first.message}`,
          ids: failures.map((f) => f.id),
          fields: Object.fromEntries(
            failures.filter((f) => f.error.field).map((f) => [f.id, [f.error.field!]]),
          ),
          details: failures.slice(0, 50).map(({ id, error }) => ({
            id,
            message: error.message,
            kind: error.kind,
            status: error.status,
            code: error.code,
            field: error.field,
          })),
          actor: { source: 'queue' },
        },
      )
    },
    // Read when a delivery runs: the watch starts after the delivery is made.
    pullsLaterEdits: (collection) => runtime.watch?.pulls(collection) === true,
    onLeftForPull: (collection, ids) => runtime.watch?.recheck(collection, ids),
    onConflict: (collection, edits) => {
      metrics.conflict(collection.slug, edits.length)
      return recordEvent(
        { payload, logger },
        {
          action: 'conflict',
          collectionSlug: collection.slug,
          outcome: 'ok',
          summary: `Supabase held ${edits.length} row(s) edited there directly; Payload won, rows replaced`,
          ids: edits.map((e) => e.id),
          fields: Object.fromEntries(edits.map((e) => [e.id, e.fields.map((f) => f.field)])),
          // What each row held and what replaced it, as a realtime catch records it.
          details: { conflicts: edits.slice(0, 50) },
          actor: { source: 'queue' },
        },
      )
    },
  })
  const runtime: SyncRuntime = {
    payload,
    options,
    logger,
    target,
    collections,
    db,
    jobs,
    state,
    delivery,
    lastReconcile: new Map(),
    runs: new Runs(),
    metrics,
    lastCheck: new Map(),
  }
  metrics.watchJobs({
    counts: async () => ({ ...(await jobs.counts()), processing: await deliveringCount(db) }),
  })
  metrics.watchChecks({ lastChecks: () => loadLastChecks(payload, runtime) })
  setRuntime(payload, runtime)
  if (cliMode()) {
    logger.debug('supabase-sync: command mode, no runner and no startup reconcile')
    return runtime
  }
  // Jobs a dead runner of Payload's left processing (a serverless function killed at its time
  // limit; such hosts start often): pending again, or Payload skips the document's later jobs.
  await releaseStaleJobs(jobs, logger)
  runtime.runner = new QueueRunner({
    payload,
    db,
    jobs,
    delivery,
    target,
    collections,
    queue: options.queue,
    logger,
  })
  runtime.runner.start()
  runtime.monitor = new Monitor({
    payload,
    db,
    jobs,
    target,
    collections,
    options,
    logger,
    metrics,
    rollups,
    paused: () => runtime.runner?.pause?.error.message,
    record: (event, req) =>
      recordEvent({ payload, logger, req }, { ...event, actor: { source: 'monitor' } }),
  })
  runtime.monitor.start()
  runtime.watch = startWatch(runtime)
  // Without the startup reconcile, edits made in Supabase while no instance watched are still pulled.
  if (options.syncOnInit || runtime.watch) runtime.initialSync = startupReconcile(runtime)
  logger.info(
    {
      collections: [...collections.values()].map((c) => `${c.slug} -> ${c.spec.table}`),
      queue: options.queue.name,
    },
    'supabase-sync started',
  )
  return runtime
}
