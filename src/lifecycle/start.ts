/**
 * onInit: build the plugin's parts for this Payload, register them, start the runner and the startup
 * reconcile (in the background: startup is not held up by Supabase's latency or an outage).
 */
import type { Payload } from 'payload'
import { BusyError, describeCause } from '../errors.js'
import { exclusive } from '../ops/exclusive.js'
import { pluginLogger } from '../log.js'
import { checkSelects } from './select-check.js'
import type { ResolvedOptions } from '../options.js'
import { recordEvent } from '../ops/audit.js'
import { fieldsOf } from '../ops/options.js'
import { Runs } from '../ops/runs.js'
import { PayloadDatabase } from '../queue/database.js'
import { Delivery } from '../queue/delivery.js'
import { JobStore } from '../queue/jobs.js'
import { backoffDelay } from '../queue/backoff.js'
import { QueueRunner } from '../queue/runner.js'
import { StateStore } from '../queue/state.js'
import { listedIds } from '../reconcile/diff.js'
import { notedFullRun } from '../reconcile/full-runs.js'
import { reconcile, type ReconcileSummary } from '../reconcile/reconcile.js'
import { loadLastChecks } from '../monitoring/last-checks.js'
import { SyncMetrics } from '../monitoring/metrics.js'
import { Monitor } from '../monitoring/monitor.js'
import { Rollups } from '../monitoring/rollups.js'
import { deliveringCount } from '../queue/locks.js'
import { createServiceClient } from '../supabase/client.js'
import { SupabaseTarget } from '../supabase/target.js'
import { syncedCollections, type SyncedCollection } from '../synced.js'
import { cliMode, setRuntime } from './registry.js'
import { releaseStaleJobs } from '../queue/stale.js'
import type { SyncRuntime } from './runtime.js'
import { reconcileDeps } from './deps.js'
import { startWatch } from './watch.js'
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
  if (options.syncOnInit) runtime.initialSync = startupReconcile(runtime)
  logger.info(
    {
      collections: [...collections.values()].map((c) => `${c.slug} -> ${c.spec.table}`),
      queue: options.queue.name,
    },
    'supabase-sync started',
  )
  return runtime
}

/**
 * Each collection once; a reconcile that fails (Supabase or Payload's database unreachable, one
 * table missing) is tried again with the queue's backoff until it passes or Payload stops — after
 * the other collections have had their turn, so that one failing collection does not keep the others
 * from being repaired: drift from before the start is repaired without a restart.
 */
async function startupReconcile(runtime: SyncRuntime): Promise<void> {
  const { logger } = runtime
  // Before anything is read: a full reconcile that starts later reads all that was committed before.
  const bootedAt = await runtime.state.now().catch(() => undefined)
  let pending = [...runtime.collections.values()]
  for (let attempt = 0; pending.length && !runtime.runner?.isStopped; attempt++) {
    const wait = backoffDelay(attempt, runtime.options.queue)
    const again: SyncedCollection[] = []
    for (const collection of pending) {
      if (runtime.runner?.isStopped) return
      try {
        if (bootedAt && (await runtime.state.fullRunSince(collection.slug, bootedAt))) {
          logger.info(
            { collection: collection.slug, op: 'reconcile', outcome: 'skipped' },
            `${collection.slug}: a full reconcile that started after this instance did has run (another instance's); no startup reconcile needed`,
          )
          // An alert from a failed try of this one is over too: that run did its work.
          await runtime.monitor?.reconciled(collection.slug, { skipped: true }).catch(() => {})
          continue
        }
        // Under 'pull', edits made in Supabase while no instance watched are pulled first: the
        // reconcile would write Payload's values over them.
        if (runtime.watch?.pulls(collection)) await runtime.watch.catchUp(collection)
        const summary = await reconcileOnce(runtime, collection)
        await runtime.monitor?.reconciled(collection.slug, { guard: summary.guard })
      } catch (err) {
        again.push(collection)
        if (err instanceof BusyError) {
          logger.info(
            { collection: collection.slug, op: 'reconcile', retryInMs: wait },
            `${collection.slug}: another reconcile runs; the startup reconcile waits for it`,
          )
          continue
        }
        logger.error(
          { err, collection: collection.slug, op: 'reconcile', outcome: 'retry', retryInMs: wait },
          `${collection.slug}: startup reconcile failed; trying again in ${Math.round(wait / 1000)} s`,
        )
        await runtime.monitor
          ?.reconciled(collection.slug, { failed: describeCause(err) })
          .catch(() => {})
      }
    }
    pending = again
    if (pending.length) await new Promise<void>((resolve) => setTimeout(resolve, wait).unref())
  }
}

async function reconcileOnce(
  runtime: SyncRuntime,
  collection: SyncedCollection,
): Promise<ReconcileSummary> {
  const { logger, payload } = runtime
  // One reconcile of a collection at a time across instances: a rolling deploy's instances take turns.
  const summary = await exclusive(runtime.db, 'sync', collection.slug, (signal) =>
    notedFullRun(runtime.state, collection.slug, () =>
      reconcile(reconcileDeps(runtime), collection, { signal }),
    ),
  )
  runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
  const { missing, extra, changed } = summary.diff
  const counted = summary.differences
  if (
    counted.missing ||
    counted.extra ||
    counted.changed ||
    summary.failed.length ||
    summary.guard
  ) {
    await recordEvent(
      { payload, logger },
      {
        action: 'reconcile',
        collectionSlug: collection.slug,
        outcome: summary.failed.length ? 'failed' : summary.guard ? 'refused' : 'drift',
        summary: `startup reconcile repaired drift: ${counted.missing} missing, ${counted.changed} changed, ${summary.deleted} of ${counted.extra} orphans deleted, ${summary.failed.length} failed`,
        ids: [...missing, ...extra, ...changed.map((c) => c.id)],
        fields: fieldsOf(changed),
        details: {
          upserted: summary.upserted,
          deleted: summary.deleted,
          failed: summary.failed.slice(0, listedIds),
          failures: summary.failed.length,
          guard: summary.guard,
        },
        actor: { source: 'startup' },
      },
    )
  }
  return summary
}
