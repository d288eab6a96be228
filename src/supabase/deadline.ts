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
  /**
   * Until when calls go without a deadline: the installed apply function took none (an older
   * sql/002). Not for good: PostgREST answers so too while its schema cache still lacks a function
   * just installed, and the function may be upgraded while the plugin runs.
   */
  private withoutUntil = 0
  private told = false

  constructor(
    private readonly timeoutMs: number,
    /** Told once: the apply function takes no deadline. */
    private readonly onUnsupported: () => void,
  ) {}

  /** The `not_after` of a call sent at `sentAt` (our clock), in epoch ms of Supabase's; null: none. */
  notAfter(sentAt: number): number | null {
    if (sentAt < this.withoutUntil) return null
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

  /**
   * A refusal for the deadline while we still waited: the skew was underestimated. By how much, the
   * refusal proves only a lower bound of: Supabase read its clock before we got the answer, but
   * perhaps only just (the call sat in a queue on the way). Half the round trip more, as for an
   * answer, would move deadlines past our wait — the late commits they exist to refuse.
   */
  refused(message: string, sentAt: number, receivedAt: number): void {
    const match = refusal.exec(message)
    if (!match) return
    const clock = Number(match[1])
    if (!Number.isFinite(clock) || clock <= 0 || receivedAt < sentAt) return
    this.skewMs = Math.max(this.skewMs, clock - receivedAt)
  }

  /**
   * The apply function takes no `not_after` (sql/002 older than the plugin): calls go without for
   * `recheckMs`, then try one again. Told once.
   */
  unsupported(now = Date.now(), recheckMs = 10 * 60_000): void {
    this.withoutUntil = now + recheckMs
    if (this.told) return
    this.told = true
    this.onUnsupported()
  }

  get estimatedSkewMs(): number {
    return this.skewMs
  }
}
