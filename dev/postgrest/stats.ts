/**
 * Request counters, so tests can assert how a client talks to Supabase (one request for a batch of
 * 1,000 rows, no retry storm, ...).
 */

export interface RequestStats {
  /** Requests served (answered by the handler, whatever the status). */
  total: number
  /** Served requests by HTTP method. */
  byMethod: Record<string, number>
  /** Served requests by resource (`dealers`, `rpc/sync_upsert`), then method. */
  byTable: Record<string, Record<string, number>>
  /** Requests answered by a fault instead (failNext, resetNext). */
  faulted: number
  /**
   * Served requests that asked for a row count (`Prefer: count=…`), by resource: an exact count is a
   * scan of the whole table, the cost a caller should not pay more often than it needs to.
   */
  counts: Record<string, number>
}

/**
 * Counts requests by the resetStats() epoch they arrived in: a request still in flight from before a
 * reset (a client that gave up during a latency) never shows up in the counts that follow it.
 */
export class StatsCounter {
  private stats: RequestStats = StatsCounter.empty()
  private current = 0

  private static empty(): RequestStats {
    return { total: 0, byMethod: {}, byTable: {}, faulted: 0, counts: {} }
  }

  /** The epoch a request that arrives now belongs to. */
  epoch(): number {
    return this.current
  }

  served(epoch: number, method: string, resource: string, counted = false): void {
    if (epoch !== this.current) return
    this.stats.total++
    if (counted) this.stats.counts[resource] = (this.stats.counts[resource] ?? 0) + 1
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1
    const table = (this.stats.byTable[resource] ??= {})
    table[method] = (table[method] ?? 0) + 1
  }

  faulted(epoch: number): void {
    if (epoch !== this.current) return
    this.stats.faulted++
  }

  /** A copy: callers keep a snapshot that later requests do not change. */
  snapshot(): RequestStats {
    return structuredClone(this.stats)
  }

  reset(): void {
    this.current++
    this.stats = StatsCounter.empty()
  }
}
