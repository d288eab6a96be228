/** What a reconcile needs, takes and reports. */
import type { FailureKind } from '../errors.js'
import type { Delivery } from '../queue/delivery.js'
import type { PayloadDatabase } from '../queue/database.js'
import type { JobStore } from '../queue/jobs.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import type { RowDiff } from './diff.js'
import type { ProgressListener } from './progress.js'

export interface ReconcileDeps {
  payload: Payload
  db: PayloadDatabase
  target: SupabaseTarget
  delivery: Delivery
  jobs: JobStore
  logger: Logger
  deleteOrphans: boolean
  maxDeleteFraction: number
  /** Told that the reconcile queued jobs (the queue's runner then delivers them now, not at its next sweep). */
  queued?: () => void
  /** Told of every finished reconcile (metrics). */
  observe?: (summary: ReconcileSummary) => void
}

export interface ReconcileOptions {
  /** Only these documents (and their rows); all when absent. */
  ids?: readonly string[]
  /** Write every row, also those that are equal (reset). */
  rewrite?: boolean
  /** Delete rows that have no document (default: the plugin's deleteOrphans). */
  deleteOrphans?: boolean
  /** Bypass the mass-delete guard. */
  force?: boolean
  /** Progress after each page. */
  onProgress?: ProgressListener
  /** Stops the run between pages (what was done stays done); it then throws a CancelledError. */
  signal?: AbortSignal
  /** Test hook: a page's rows are held from `start` to `end` (memory stays bounded by pages in flight). */
  onPage?: (event: 'start' | 'end') => void
}

export interface FailedDocument {
  id: string
  message: string
  field?: string
  code?: string
  /** What the failure means (`pull` sets it): worth trying again, or not without a change. */
  kind?: FailureKind
}

export interface ReconcileSummary {
  collection: string
  table: string
  /** Documents read. */
  scanned: number
  /** Supabase rows read. */
  rows: number
  upserted: number
  deleted: number
  unchanged: number
  /** Documents another delivery held: queued, delivered after it. */
  queued: number
  failed: FailedDocument[]
  /** Rows without documents left in place: deleteOrphans off, or the guard refused. */
  orphansKept: number
  guard?: string
  /** How many documents were missing in Supabase or differed, and how many rows had no document. */
  differences: { missing: number; changed: number; extra: number }
  /** The first `listedIds` ids of each kind of difference (the counts above cover all). */
  diff: RowDiff
  requests: number
  ms: number
}
