/** What every operation takes, and the results they share. */
import { CancelledError, LockLostError } from '../errors.js'
import type { ProgressListener } from '../reconcile/progress.js'
import { recordEvent } from './audit.js'
import { listedIds } from '../reconcile/diff.js'
import type { ReconcileSummary } from '../reconcile/reconcile.js'
import type { Actor } from './audit.js'

export interface OperationOptions {
  /** The synced collection (default `dealers`). */
  collection?: string
  /** Only these document ids. */
  ids?: string[]
  /** Who asks, for the audit trail (the endpoints and commands set it). */
  actor?: Actor
  /** Progress of long runs, after each page. */
  onProgress?: ProgressListener
  /** Stops a long run between pages (it then throws a CancelledError, and the Sync event says how far it got). */
  signal?: AbortSignal
}

/** The reconcile's summary without the full diff (its ids are in the audit record). */
export type SyncResult = Omit<ReconcileSummary, 'diff' | 'table' | 'rows'>

export function toSyncResult(summary: ReconcileSummary): SyncResult {
  const { diff: _diff, table: _table, rows: _rows, ...result } = summary
  return result
}

/**
 * A sync's result as a Sync event keeps it: the first `listedIds` failures (a mapper or schema that
 * refuses every row of a large table fails them all; each is logged, the event keeps the count).
 */
export function recordedSyncResult(summary: ReconcileSummary): SyncResult {
  return { ...toSyncResult(summary), failed: summary.failed.slice(0, listedIds) }
}

export function fieldsOf(
  changed: ReadonlyArray<{ id: string; fields: string[] }>,
): Record<string, string[]> {
  return Object.fromEntries(changed.map((c) => [c.id, c.fields]))
}

/** Runs `work`; when it is cancelled or loses its lock, the Sync events say so, with how far it got (then the error goes on). */
export async function recordCancel<T>(
  runtime: { payload: import('payload').Payload; logger: import('pino').Logger },
  action: 'validate' | 'sync' | 'retry',
  collectionSlug: string,
  options: OperationOptions,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    // Stopped between pages (cancelled, or its operation lock was lost): how far it got is recorded.
    if (error instanceof CancelledError || error instanceof LockLostError) {
      await recordEvent(runtime, {
        action,
        collectionSlug,
        outcome: error instanceof CancelledError ? 'cancelled' : 'failed',
        summary: error.message,
        details: error.progress,
        actor: options.actor,
      })
    }
    throw error
  }
}
