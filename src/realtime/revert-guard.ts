/**
 * A row Supabase rewrites each time the plugin writes it — a trigger that lower-cases a mapped column,
 * a rule that fills one in: each revert's echo differs from what was written, so it looks like a new
 * edit, and `revert` would write the row again, for ever, with a catch and an alert each time. The
 * same foreign state of a row seen again and again within a window is that loop: after `atMost`
 * reverts to it, the row is left as it is, said once, until Supabase holds something else for it (or
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
   * loop is found (to be recorded), `quiet` after.
   */
  check(key: string, fingerprint: string, now = Date.now()): GuardVerdict {
    const entry = this.seen.get(key)
    if (!entry || entry.fingerprint !== fingerprint || now - entry.since > this.windowMs) {
      if (this.seen.size >= 10_000) this.prune(now)
      this.seen.set(key, { fingerprint, count: 1, since: now, told: false })
      return 'revert'
    }
    entry.count++
    if (entry.count <= this.atMost) return 'revert'
    if (entry.told) return 'quiet'
    entry.told = true
    return 'loop'
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
    const seen = change.type === 'DELETE' ? noRow : fingerprint(change.new as Row, ignore)
    const verdict = guard.check(documentKey(collection.slug, id), seen)
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
