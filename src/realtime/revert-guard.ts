/**
 * A row Supabase rewrites each time the plugin writes it — a trigger that lower-cases a mapped column,
 * a rule that fills one in: each revert's echo differs from what was written, so it looks like a new
 * edit, and `revert` would write the row again, for ever, with a catch and an alert each time. The
 * same foreign state of a row written back again and again within a window is that loop: after
 * `atMost` reverts of it (writes, not looks: a look retried because the document was busy is none), the row is left as it is, said once, until Supabase holds something else for it (or
 * the window is over). Pure: no I/O.
 */
import { fingerprint, noRow } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import { documentKey } from '../queue/keys.js'
import type { TableChange } from '../supabase/realtime.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import type { Catch } from './policies.js'

export type GuardVerdict = 'revert' | 'loop' | 'quiet'

interface Seen {
  fingerprint: string
  count: number
  since: number
  told: boolean
}

export class RevertGuard {
  private readonly seen = new Map<string, Seen>()

  constructor(
    private readonly atMost = 3,
    private readonly windowMs = 10 * 60_000,
  ) {}

  /**
   * For a foreign state of a row (its fingerprint): revert it, or not — `loop` the first time the
   * loop is found (to be recorded), `quiet` after. Counts nothing: a look that found the document
   * busy, or failed, and is tried again is no revert (only `reverted` counts).
   */
  check(key: string, fingerprint: string, now = Date.now()): GuardVerdict {
    const entry = this.current(key, fingerprint, now)
    if (!entry || entry.count < this.atMost) return 'revert'
    if (entry.told) return 'quiet'
    entry.told = true
    return 'loop'
  }

  /** The plugin wrote the row back over this foreign state (a delivery wrote or deleted it). */
  reverted(key: string, fingerprint: string, now = Date.now()): void {
    const entry = this.current(key, fingerprint, now)
    if (entry) {
      entry.count++
      return
    }
    if (this.seen.size >= 10_000) this.prune(now)
    this.seen.set(key, { fingerprint, count: 1, since: now, told: false })
  }

  /** The entry of this state of the row within its window, if any. */
  private current(key: string, fingerprint: string, now: number): Seen | undefined {
    const entry = this.seen.get(key)
    if (!entry || entry.fingerprint !== fingerprint || now - entry.since > this.windowMs) return
    return entry
  }

  /** Entries past their window: a busy table must not grow the map for ever. */
  private prune(now: number): void {
    for (const [key, entry] of this.seen)
      if (now - entry.since > this.windowMs) this.seen.delete(key)
  }
}

/**
 * Under `revert`, the rows of a batch that Supabase rewrites each time they are reverted are left
 * out, with a catch the first time the loop is found.
 */
export function withoutLoops(
  guard: RevertGuard,
  collection: SyncedCollection,
  ids: string[],
  changes: Map<string, TableChange>,
): { ids: string[]; looping: Catch[] } {
  const policy = collection.watch || 'revert'
  if (policy !== 'revert') return { ids, looping: [] }
  const ignore = bookkeepingColumns(collection)
  const kept: string[] = []
  const looping: Catch[] = []
  for (const id of ids) {
    const change = changes.get(id)
    if (!change) {
      kept.push(id)
      continue
    }
    const verdict = guard.check(documentKey(collection.slug, id), foreignState(change, ignore))
    if (verdict === 'revert') kept.push(id)
    else if (verdict === 'loop')
      looping.push({
        collection: collection.slug,
        id,
        change: change.type,
        policy,
        fields: [],
        outcome: 'skipped',
        reason:
          'Supabase changes this row again each time the plugin reverts it (a trigger or rule that rewrites a mapped column?): left as it is; make the mapper write what Supabase keeps, or the trigger leave it',
      })
  }
  return { ids: kept, looping }
}

/** Under `revert`, the rows the plugin wrote back (or deleted) count towards their loop. */
export function countReverts(
  guard: RevertGuard,
  collection: SyncedCollection,
  catches: Catch[],
  changes: Map<string, TableChange>,
): void {
  if ((collection.watch || 'revert') !== 'revert') return
  const ignore = bookkeepingColumns(collection)
  for (const c of catches) {
    const change = changes.get(c.id)
    if (c.outcome === 'reverted' && change)
      guard.reverted(documentKey(collection.slug, c.id), foreignState(change, ignore))
  }
}

function foreignState(change: TableChange, ignore: readonly string[]): string {
  return change.type === 'DELETE' ? noRow : fingerprint(change.new as Row, ignore)
}
