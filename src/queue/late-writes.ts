/**
 * Under `writeMode: 'upsert'` nothing in Supabase refuses a write that comes late: a write the plugin
 * gave up on (no answer in time) still runs — PostgREST never cancels a request whose client left — and
 * may commit after the plugin's retry and after a newer delivery of the same document, leaving an older
 * row, or deleting a row of a document created again. The apply function refuses such writes (its
 * deadline, its version guard); here the documents are delivered again once a late commit can no
 * longer come (`retry.lateWriteRecheck`), which writes their rows as they are then. Kept in memory: a
 * process that dies meanwhile leaves it to the startup reconcile.
 */
import type { Logger } from 'pino'
import type { PayloadDatabase } from './database.js'
import type { JobStore } from './jobs.js'

export interface LateWriteDeps {
  db: PayloadDatabase
  jobs: JobStore
  logger: Logger
  /** The jobs are queued (committed): the runner may take them now. */
  queued: () => void
}

export class LateWriteRechecks {
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(
    private readonly deps: LateWriteDeps,
    private readonly afterMs: number,
  ) {}

  schedule(collection: string, ids: string[]): void {
    if (this.stopped || !ids.length) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.queue(collection, ids)
    }, this.afterMs)
    timer.unref()
    this.timers.add(timer)
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private async queue(collection: string, ids: string[]): Promise<void> {
    if (this.stopped) return
    try {
      await this.deps.db.transaction((sql) =>
        this.deps.jobs.enqueue(
          sql,
          ids.map((id) => ({ collection, id })),
        ),
      )
      this.deps.logger.debug(
        { collection, ids: ids.slice(0, 50), op: 'late-write' },
        `${collection}: ${ids.length} document(s) whose write got no answer delivered again (a late commit of that write is past)`,
      )
      this.deps.queued()
    } catch (err) {
      this.deps.logger.warn(
        { err, collection, ids: ids.slice(0, 50), op: 'late-write' },
        `${collection}: could not queue the documents whose write got no answer; the next reconcile or check finds a late commit of it`,
      )
    }
  }
}
