/**
 * When the runner looks again at due documents that another delivery holds (another process's, a
 * reconcile's page, a pull): soon at first, since a holder mostly lets go within a request or two,
 * then half as often each time, up to the sweep, which looks at every due document anyway. Before,
 * it looked every 50 ms for as long as the hold lasted: twenty claims a second against Payload's
 * database while another instance waited out a slow Supabase.
 */
import type { Logger } from 'pino'

/** The first wait: a document released right after is still delivered at once. */
export const firstHeldDelay = 50
/** The longest wait where no sweep looks (`sweepInterval: false`): the default sweep's. */
const unsweptCeiling = 1_000

export class HeldRetry {
  private delay = firstHeldDelay
  private timer: NodeJS.Timeout | undefined
  private dueAt = 0

  constructor(
    /** The queue's sweep interval, or `false` when none runs. */
    private readonly sweepInterval: number | false,
    private readonly logger: Logger,
    private readonly look: () => void,
  ) {}

  /**
   * A run ended with `count` documents held elsewhere. `progressed`: it delivered (or booked) others,
   * so the queue is moving and the next look comes soon again.
   */
  held(count: number, progressed: boolean): void {
    const retryInMs = this.schedule(progressed)
    // One line per look at held documents: how often the runner claims them shows here.
    this.logger.debug(
      { op: 'held', held: count, retryInMs },
      `supabase-sync: ${count} due document(s) held by another delivery; looked at again in ${retryInMs} ms`,
    )
  }

  private schedule(progressed: boolean): number {
    if (progressed) this.delay = firstHeldDelay
    if (this.timer) return Math.max(0, this.dueAt - Date.now())
    const delay = this.delay
    const ceiling = this.sweepInterval === false ? unsweptCeiling : this.sweepInterval
    this.delay = Math.min(delay * 2, ceiling)
    // As long as the sweep's: the sweep looks, a timer beside it would only double the claims.
    if (this.sweepInterval !== false && delay >= this.sweepInterval) return this.sweepInterval
    this.dueAt = Date.now() + delay
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.look()
    }, delay)
    this.timer.unref()
    return delay
  }

  /** Nothing is held any more, or new work came (a commit): the next hold is looked at soon again. */
  reset(): void {
    this.delay = firstHeldDelay
    this.stop()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
