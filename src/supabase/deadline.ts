/**
 * The deadline of an apply call (`not_after`, sql/002): a call that outlives our wait for it — queued
 * in the gateway or PostgREST's pool, or slow — changes nothing. Without one it could commit after a
 * later delivery of the same document, where nothing is left for the stale-write guard to compare
 * with (that delivery deleted the row, or found it unchanged and completed the jobs), and bring back
 * what it replaced. The deadline is in Supabase's clock, which ours estimates from the answers (each
 * carries the database's `now`); a call refused for its deadline while we still wait says by how
 * much the estimate was off, and the next try uses the correction.
 */

/** The parts of the deadline's refusal: `… (its clock 1795…, deadline 1795…)`. */
const refusal = /its clock (\d+), deadline (\d+)/

/** SQLSTATE of a call refused for its deadline. */
export const deadlineCode = 'SYNDL'

export class Deadlines {
  /** Supabase's clock minus ours (ms), from the quickest recent answer; 0 until one arrives. */
  private skewMs = 0
  /** Round trip of the answer the skew was taken from: a slower one says less. */
  private bestRttMs = Infinity
  /** False once the installed apply function turned out to take no deadline (an older sql/002). */
  private supported = true

  constructor(
    private readonly timeoutMs: number,
    /** Told once: the apply function takes no deadline. */
    private readonly onUnsupported: () => void,
  ) {}

  /** The `not_after` of a call sent at `sentAt` (our clock), in epoch ms of Supabase's; null: none. */
  notAfter(sentAt: number): number | null {
    if (!this.supported) return null
    // Before our wait ends: a call still running then must not commit after it. The margin covers
    // our timer and the error of the skew's estimate (half a quick round trip).
    const margin = Math.min(this.timeoutMs / 4, 1000)
    return Math.round(sentAt + this.skewMs + this.timeoutMs - margin)
  }

  /** Learns from an answer: the database's clock (epoch ms) read between `sentAt` and `receivedAt`. */
  observe(now: unknown, sentAt: number, receivedAt: number): void {
    const at = typeof now === 'number' ? now : Number(now)
    if (!Number.isFinite(at) || at <= 0) return
    const rtt = Math.max(0, receivedAt - sentAt)
    // A slow answer (a queue on the way) says little about the clocks; a quick one, or the first,
    // replaces the estimate. The bar rises with time, so that a changed network is followed.
    if (rtt > Math.max(200, 2 * this.bestRttMs)) {
      this.bestRttMs *= 1.1
      return
    }
    this.bestRttMs = Math.min(this.bestRttMs, rtt)
    this.skewMs = at - (sentAt + receivedAt) / 2
  }

  /** A refusal for the deadline while we still waited: the skew was underestimated. */
  refused(message: string, sentAt: number, receivedAt: number): void {
    const match = refusal.exec(message)
    if (!match) return
    this.bestRttMs = Infinity
    this.observe(Number(match[1]), sentAt, receivedAt)
  }

  /** The apply function takes no `not_after` (sql/002 older than the plugin): calls go without. */
  unsupported(): void {
    if (!this.supported) return
    this.supported = false
    this.onUnsupported()
  }

  get estimatedSkewMs(): number {
    return this.skewMs
  }
}
