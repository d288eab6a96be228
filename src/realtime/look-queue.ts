/**
 * The realtime watch's rows waiting to be looked at, per collection: merged as they come (the rule
 * is pending-looks.ts), handed out as one batch after a short window, and after a failure tried
 * again with a backoff that grows while the failures go on. Timers only, no I/O.
 */
import { mergeLook, type Look } from './pending-looks.js'

export class LookQueue {
  /** Per collection, the rows to look at: with the event that named them, or why they are re-checked. */
  private readonly pending = new Map<string, Map<string, Look>>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  /** Failed attempts in a row, per collection: what failed is tried again after a backoff, never dropped. */
  private readonly failedInARow = new Map<string, number>()

  constructor(
    /** A collection's window is over: its batch is to be taken (`take`) and handled. */
    private readonly onDue: (collection: string) => void,
  ) {}

  /** Rows to look at, merged with what waits already; `retried`: an older batch back. */
  add(collection: string, entries: Iterable<[string, Look]>, delayMs = 50, retried = false): void {
    const batch = this.pending.get(collection) ?? new Map<string, Look>()
    for (const [id, look] of entries) batch.set(id, mergeLook(batch.get(id), look, retried))
    if (!batch.size) return
    this.pending.set(collection, batch)
    // A short window: a bulk change arrives as many events, handled as one batch.
    if (!this.timers.has(collection)) {
      this.timers.set(
        collection,
        setTimeout(() => {
          this.timers.delete(collection)
          this.onDue(collection)
        }, delayMs),
      )
    }
  }

  /** A row of a batch still waiting is to be looked at as it is now (a re-check), whatever named it. */
  recheckWaiting(collection: string, id: string): void {
    this.pending.get(collection)?.set(id, 'recheck')
  }

  /** The collection's waiting rows, no longer waiting. */
  take(collection: string): Map<string, Look> | undefined {
    const batch = this.pending.get(collection)
    this.pending.delete(collection)
    return batch
  }

  /** Whether any collection has rows waiting. */
  waiting(): boolean {
    return this.pending.size > 0
  }

  /** After a failure: 0.2 s, doubling, at most 5 s. */
  backoff(collection: string): number {
    const n = (this.failedInARow.get(collection) ?? 0) + 1
    this.failedInARow.set(collection, n)
    return Math.min(5_000, 200 * 2 ** (n - 1))
  }

  /** Handled with nothing left over: the next failure starts the backoff again. */
  succeeded(collection: string): void {
    this.failedInARow.delete(collection)
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer)
  }
}
