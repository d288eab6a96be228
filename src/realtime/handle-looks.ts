/**
 * Handling a batch of rows the watch is to look at (change events that are not echoes, re-checks):
 * rows without documents go through the orphan guards, rows reverted in a loop are left, the rest get
 * the collection's policy; rows being delivered right now are looked at again after a backoff, and
 * every catch is recorded.
 */
import type { Logger } from 'pino'
import type { TableChange } from '../supabase/realtime.js'
import type { SyncedCollection } from '../synced.js'
import type { InsertBursts } from './insert-burst.js'
import type { LookQueue } from './look-queue.js'
import { guardOrphans, type OrphanGuardDeps } from './orphan-guards.js'
import type { Recheck } from './pending-looks.js'
import { applyPolicy, type Catch, type ChangeKind, type PolicyDeps } from './policies.js'
import { countReverts, withoutLoops, type RevertGuard } from './revert-guard.js'

export interface HandleLooksContext {
  deps: PolicyDeps &
    OrphanGuardDeps & { logger: Logger; caught: (catches: Catch[]) => Promise<void> }
  /** The watch's count of catches (its stats): counted before they are recorded. */
  counts: { caught: number }
  bursts: InsertBursts
  guard: RevertGuard
  looks: LookQueue
}

export interface LookBatch {
  /** Every id of the batch. */
  all: string[]
  /** The change events among them (by id). */
  changes: Map<string, TableChange>
  /** The re-checks among them, and why each is looked at as it is now. */
  rechecks: ReadonlyMap<string, Recheck>
  /** A quiet burst of rows inserted without documents, released by the mass-insert guard. */
  released?: boolean
  /**
   * Rows found busy are the caller's (returned, not looked at again later): the startup catch-up,
   * which must not let the reconcile run while an edit it found is still to be pulled.
   */
  ownBusy?: boolean
}

export interface LookOutcome {
  /** The rows found busy (being delivered, or a pull that failed for a passing reason). */
  busy: string[]
}

/** The rows found busy: looked at again later, unless the batch's caller owns them. */
export async function handleLooks(
  ctx: HandleLooksContext,
  collection: SyncedCollection,
  batch: LookBatch,
): Promise<LookOutcome> {
  const { deps, looks } = ctx
  const { changes, rechecks } = batch
  // What the catches say the change was, and what a busy row is looked at again for.
  const kindOf = (id: string): ChangeKind => changes.get(id)?.type ?? rechecks.get(id) ?? 'recheck'
  const guarded = await guardOrphans(
    deps,
    ctx.bursts,
    collection,
    batch.all,
    changes,
    kindOf,
    batch.released ?? false,
  )
  const { ids, looping } = withoutLoops(ctx.guard, collection, guarded.ids, changes)
  const { catches, busy } = ids.length
    ? await applyPolicy(deps, collection, ids, changes, kindOf)
    : { catches: [], busy: [] }
  countReverts(ctx.guard, collection, catches, changes)
  catches.push(...looping, ...guarded.left)
  // Being delivered right now: whatever that delivery writes, the row is looked at again after it.
  if (busy.length && !batch.ownBusy) {
    const retryInMs = looks.backoff(collection.slug)
    deps.logger.debug(
      { collection: collection.slug, op: 'realtime', ids: busy, retryInMs },
      `${collection.slug}: ${busy.length} changed rows are being delivered; looked at again after`,
    )
    looks.add(
      collection.slug,
      busy.map((id) => [id, changes.get(id) ?? rechecks.get(id) ?? 'recheck'] as const),
      retryInMs,
      true,
    )
  }
  ctx.counts.caught += catches.length
  if (catches.length) await deps.caught(catches)
  return { busy }
}
