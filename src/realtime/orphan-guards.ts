/**
 * Under `revert`, the rows of a batch that no document maps to would be deleted by the delivery.
 * The guards the reconcile applies to such rows apply here too: none is deleted while
 * `deleteOrphans` is off; rows inserted without documents are counted per burst (the mass-insert
 * guard, insert-burst.ts); and those found by the check after a reconnect — no event says how they
 * came — are deleted only within the mass-delete guard (`maxDeleteFraction` of the table, as it will
 * be once the deliveries still pending land: `tableOnceDelivered`).
 */
import type { Payload } from 'payload'
import { countDocuments, loadDocuments } from '../documents.js'
import { deleteAllowed } from '../reconcile/diff.js'
import type { TableChange } from '../supabase/realtime.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import type { InsertBursts } from './insert-burst.js'
import type { Catch, ChangeKind } from './policies.js'

export interface OrphanGuardDeps {
  payload: Payload
  target: SupabaseTarget
  /** As the reconcile's option: rows without documents are deleted at all. */
  deleteOrphans: boolean
  /** As the reconcile's mass-delete guard: at most this fraction of the table is deleted at once. */
  maxDeleteFraction: number
  massInsertLimit: number
}

export interface Guarded {
  /** The ids the policy handles now. */
  ids: string[]
  /** The rows left by a guard, with why. */
  left: Catch[]
}

export async function guardOrphans(
  deps: OrphanGuardDeps,
  bursts: InsertBursts,
  collection: SyncedCollection,
  ids: string[],
  changes: Map<string, TableChange>,
  kindOf: (id: string) => ChangeKind,
  /** A quiet burst's rows, released for deletion: not held again. */
  released = false,
): Promise<Guarded> {
  if ((collection.watch || 'revert') !== 'revert') return { ids, left: [] }
  const orphans = await orphansOf(deps.payload, collection, ids, changes)
  if (!orphans.size) return { ids, left: [] }
  const left: Catch[] = []
  const leave = (id: string, outcome: Catch['outcome'], reason: string, change = kindOf(id)) =>
    left.push({
      collection: collection.slug,
      id,
      change,
      policy: 'revert',
      fields: [{ field: '(row)', supabase: 'a row', payload: null }],
      outcome,
      reason,
    })
  const handled = new Set(ids.filter((id) => !orphans.has(id)))
  if (!deps.deleteOrphans) {
    for (const id of orphans)
      leave(id, 'recorded', 'a row without a document, kept: the option deleteOrphans is off')
    return { ids: [...handled], left }
  }
  const inserted = new Map<string, TableChange>()
  const found: string[] = []
  for (const id of orphans) {
    const change = changes.get(id)
    if (!change) found.push(id)
    else if (!released && (change.type === 'INSERT' || bursts.has(collection.slug, id)))
      inserted.set(id, change)
    else handled.add(id)
  }
  const over = bursts.add(collection.slug, inserted)
  for (const [id, change] of over)
    leave(
      id,
      'skipped',
      `more than ${deps.massInsertLimit} rows inserted without documents in one burst (realtime.massInsertLimit): left in place by the mass-delete guard; delete them with a reset if they are wrong`,
      change.type,
    )
  if (found.length) {
    const rows = await tableOnceDelivered(deps, collection, found.length)
    if (deleteAllowed(found.length, rows, deps.maxDeleteFraction))
      for (const id of found) handled.add(id)
    else
      for (const id of found)
        leave(
          id,
          'skipped',
          `${found.length} of ${rows} rows found without documents after a reconnect (more than ${Math.round(deps.maxDeleteFraction * 100)}% of the table once Payload's documents are delivered, maxDeleteFraction): left in place by the mass-delete guard; a reconcile with force deletes them if they are wrong`,
        )
  }
  return { ids: ids.filter((id) => handled.has(id)), left }
}

/**
 * The rows the table holds once the deliveries still pending land. The check after a reconnect runs
 * as Supabase comes back, before the documents saved during the outage are delivered: judged against
 * the table as it was then, a nearly empty table's one row without a document was "all of it" and
 * left, though the table it leaves is mostly documents' rows (the invariant wants it gone, without a
 * restart). Each of Payload's documents will have its row, beside the rows without documents; the
 * count of the table is the floor (deliveries may have landed already). A wiped Payload database (no
 * documents) still makes every row one without a document — the whole table, refused. Documents that
 * map to no row (drafts, those shouldSync refuses) are counted too, as reset's guard counts them.
 */
async function tableOnceDelivered(
  deps: OrphanGuardDeps,
  collection: SyncedCollection,
  orphans: number,
): Promise<number> {
  const [rows, documents] = await Promise.all([
    deps.target.count(collection.spec),
    countDocuments(deps.payload, collection),
  ])
  return Math.max(rows, documents + orphans)
}

/**
 * The rows without a document (a row that is there: a deleted row without a document is nothing to
 * delete). As in the reconcile, a document that maps to no row (a draft, one shouldSync refuses, one
 * in the trash) is a document: its row is the delivery's to delete, not the orphan guards'. Read
 * outside the delivery's lock: a document created meanwhile is delivered by its own job.
 */
async function orphansOf(
  payload: Payload,
  collection: SyncedCollection,
  ids: string[],
  changes: Map<string, TableChange>,
): Promise<Set<string>> {
  const candidates = ids.filter((id) => changes.get(id)?.type !== 'DELETE')
  if (!candidates.length) return new Set()
  const docs = await loadDocuments(payload, collection, candidates, { withTrashed: true })
  return new Set(candidates.filter((id) => !docs.has(id)))
}
