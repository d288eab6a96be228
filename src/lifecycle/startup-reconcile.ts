/**
 * What an instance does once at its start, in the background (startup is not held up by Supabase's
 * latency or an outage): under the realtime 'pull' policy, pull the edits made in Supabase while no
 * instance watched (RealtimeWatch.catchUp), then reconcile each collection (`syncOnInit`).
 */
import { BusyError, CatchUpLeftError, describeCause } from '../errors.js'
import { recordEvent } from '../ops/audit.js'
import { exclusive } from '../ops/exclusive.js'
import { fieldsOf } from '../ops/options.js'
import { backoffDelay } from '../queue/backoff.js'
import { listedIds } from '../reconcile/diff.js'
import { notedFullRun } from '../reconcile/full-runs.js'
import { reconcile, type ReconcileSummary } from '../reconcile/reconcile.js'
import type { SyncedCollection } from '../synced.js'
import { reconcileDeps } from './deps.js'
import type { SyncRuntime } from './runtime.js'

/**
 * Tries of a collection's catch-up that left rows unpulled (being delivered, a pull failing for a
 * passing reason) before its startup reconcile runs anyway: with the queue's backoff, ~30 s by default.
 */
const catchUpWaits = 5

/**
 * Each collection once; a reconcile (or catch-up) that fails (Supabase or Payload's database
 * unreachable, one table missing) is tried again with the queue's backoff until it passes or Payload
 * stops — after the other collections have had their turn, so that one failing collection does not
 * keep the others from being repaired: drift from before the start is repaired without a restart.
 * With `syncOnInit: false`, only the collections the watch pulls, and only their catch-up.
 */
export async function startupReconcile(runtime: SyncRuntime): Promise<void> {
  const { logger } = runtime
  // Rows the catch-up could not pull yet, per collection: how many tries waited for them.
  const waited = new Map<string, number>()
  const reconciles = runtime.options.syncOnInit
  const what = reconciles ? 'startup reconcile' : 'pull of the edits made while no instance watched'
  // Before anything is read: a full reconcile that starts later reads all that was committed before.
  const bootedAt = await runtime.state.now().catch(() => undefined)
  let pending = [...runtime.collections.values()].filter(
    (c) => reconciles || runtime.watch?.pulls(c),
  )
  for (let attempt = 0; pending.length && !runtime.runner?.isStopped; attempt++) {
    const wait = backoffDelay(attempt, runtime.options.queue)
    const again: SyncedCollection[] = []
    for (const collection of pending) {
      if (runtime.runner?.isStopped) return
      try {
        if (
          reconciles &&
          bootedAt &&
          (await runtime.state.fullRunSince(collection.slug, bootedAt))
        ) {
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
        const catchUp = (waited.get(collection.slug) ?? 0) < catchUpWaits
        if (catchUp && runtime.watch?.pulls(collection)) await runtime.watch.catchUp(collection)
        if (!reconciles) continue
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
        // Being delivered, or a pull that failed (recorded by the pull): a wait, not a failed reconcile.
        if (err instanceof CatchUpLeftError) {
          const tries = (waited.get(collection.slug) ?? 0) + 1
          waited.set(collection.slug, tries)
          const fields = { collection: collection.slug, op: 'reconcile', ids: err.ids.slice(0, 50) }
          // Not for ever: a row busy or failing for good would keep the collection unreconciled.
          if (tries < catchUpWaits)
            logger.info(
              { ...fields, retryInMs: wait },
              `${collection.slug}: ${err.ids.length} row(s) edited in Supabase while no instance watched are not pulled yet; the startup reconcile waits for them`,
            )
          else
            logger.warn(
              { ...fields, outcome: 'conflict' },
              reconciles
                ? `${collection.slug}: ${err.ids.length} row(s) edited in Supabase while no instance watched could not be pulled in ${tries} tries; the startup reconcile runs anyway and Payload's values replace them (recorded as conflicts)`
                : `${collection.slug}: ${err.ids.length} row(s) edited in Supabase while no instance watched could not be pulled in ${tries} tries; left as they are (drift until a pull or a sync)`,
            )
          if (tries >= catchUpWaits && !reconciles) again.pop()
          continue
        }
        logger.error(
          { err, collection: collection.slug, op: 'reconcile', outcome: 'retry', retryInMs: wait },
          `${collection.slug}: ${what} failed; trying again in ${Math.round(wait / 1000)} s`,
        )
        if (reconciles)
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
