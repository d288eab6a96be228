/**
 * The mass-insert guard of the realtime watch. Rows inserted in Supabase without documents would be
 * deleted under `revert`; a bulk insert by another service is more likely a mistake of ours than of
 * theirs, so more than `limit` of them are left and recorded instead. Realtime delivers a bulk insert
 * in chunks (the server reads at most 100 changes per poll; the stand-in sends them one at a time), so
 * they are counted over a burst — held until `quietMs` pass without another — not per batch. Once the
 * guard trips, the rest of the burst is left too. Pure: timers only, no I/O.
 */
import type { TableChange } from '../supabase/realtime.js'

interface Burst {
  held: Map<string, TableChange>
  /** Ids of this burst already left by the guard: a later event for one of them is left too. */
  guarded: Set<string> | undefined
  timer?: NodeJS.Timeout
}

export class InsertBursts {
  private readonly bursts = new Map<string, Burst>()

  constructor(
    private readonly limit: number,
    private readonly quietMs: number,
    /** A burst that stayed under the limit, once quiet: its rows are reverted (deleted) now. */
    private readonly onQuiet: (collection: string, held: Map<string, TableChange>) => void,
  ) {}

  /** Whether this row belongs to the current burst (a later event for it joins the burst). */
  has(collection: string, id: string): boolean {
    const burst = this.bursts.get(collection)
    return !!burst && (burst.held.has(id) || !!burst.guarded?.has(id))
  }

  /**
   * Rows inserted without documents: held until the burst is quiet. Returns the rows the guard
   * leaves now (the burst went over the limit with these, or had already).
   */
  add(collection: string, rows: Map<string, TableChange>): Map<string, TableChange> {
    if (!rows.size) return rows
    const burst = this.bursts.get(collection) ?? {
      held: new Map<string, TableChange>(),
      guarded: undefined,
    }
    clearTimeout(burst.timer)
    burst.timer = setTimeout(() => this.quiet(collection), this.quietMs)
    this.bursts.set(collection, burst)
    if (burst.guarded) {
      for (const id of rows.keys()) burst.guarded.add(id)
      return rows
    }
    for (const [id, change] of rows) burst.held.set(id, change)
    if (burst.held.size <= this.limit) return new Map()
    const left = burst.held
    burst.guarded = new Set(left.keys())
    burst.held = new Map()
    return left
  }

  /** Whether a burst is open (rows held, or the guard tripped and not quiet yet): the watch is not idle. */
  holding(): boolean {
    return this.bursts.size > 0
  }

  stop(): void {
    for (const burst of this.bursts.values()) clearTimeout(burst.timer)
    this.bursts.clear()
  }

  private quiet(collection: string): void {
    const burst = this.bursts.get(collection)
    this.bursts.delete(collection)
    if (burst?.held.size) this.onQuiet(collection, burst.held)
  }
}
