/** What every operation takes, and the results they share. */
import type { ReconcileSummary } from '../reconcile/reconcile.js'
import type { Actor } from './audit.js'

export interface OperationOptions {
  /** The synced collection (default `dealers`). */
  collection?: string
  /** Only these document ids. */
  ids?: string[]
  /** Who asks, for the audit trail (the endpoints and commands set it). */
  actor?: Actor
  /** Progress of long runs: documents read / total. */
  onProgress?: (done: number, total: number) => void
}

/** The reconcile's summary without the full diff (its ids are in the audit record). */
export type SyncResult = Omit<ReconcileSummary, 'diff' | 'table' | 'rows'>

export function toSyncResult(summary: ReconcileSummary): SyncResult {
  const { diff: _diff, table: _table, rows: _rows, ...result } = summary
  return result
}

export function fieldsOf(changed: ReadonlyArray<{ id: string; fields: string[] }>): Record<string, string[]> {
  return Object.fromEntries(changed.map((c) => [c.id, c.fields]))
}
