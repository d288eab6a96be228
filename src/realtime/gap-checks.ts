/**
 * The check of a whole table after a gap in the stream (a subscription after the first, a change
 * Realtime sent without its key): what differs from Payload, with no delivery pending, is handed to
 * the look queue as found by a gap. One at a time per table — a flapping socket would start a
 * full-table validate each; those asked for while one runs make one more after it — and a failed
 * check is tried again after the look queue's backoff.
 */
import type { Logger } from 'pino'
import type { SyncedCollection } from '../synced.js'
import type { LookQueue } from './look-queue.js'
import { OneAtATime } from './one-at-a-time.js'

export interface GapCheckDeps {
  logger: Logger
  /** Rows that differ from their documents now, with no delivery pending: ids. */
  differing: (collection: SyncedCollection) => Promise<string[]>
}

export class GapChecks {
  /** Collections whose check is to be tried again. */
  private readonly due = new Set<string>()
  private readonly checks = new OneAtATime(() => !this.stopped)
  private running = 0
  private stopped = false

  constructor(
    private readonly deps: GapCheckDeps,
    private readonly looks: LookQueue,
  ) {}

  request(collection: SyncedCollection): void {
    this.checks.request(collection.slug, () => this.check(collection))
  }

  /** A check runs, or one is to be tried again: the watch is not idle. */
  pending(): boolean {
    return this.running > 0 || this.due.size > 0
  }

  stop(): void {
    this.stopped = true
    this.due.clear()
  }

  private async check(collection: SyncedCollection): Promise<void> {
    this.due.delete(collection.slug)
    this.running++
    try {
      const ids = await this.deps.differing(collection)
      if (ids.length)
        this.looks.add(
          collection.slug,
          ids.map((id) => [id, 'gap'] as const),
          0,
        )
    } catch (err) {
      const delay = this.looks.backoff(collection.slug)
      this.deps.logger.warn(
        { err, collection: collection.slug, op: 'realtime', retryInMs: delay },
        `${collection.slug}: the check after a reconnect failed; trying again in ${delay} ms`,
      )
      if (!this.stopped) {
        this.due.add(collection.slug)
        setTimeout(() => this.request(collection), delay).unref()
      }
    } finally {
      this.running--
    }
  }
}
