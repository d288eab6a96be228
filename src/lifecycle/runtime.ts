/** What the plugin holds per running Payload: built in onInit (lifecycle/start.ts), found by `payload`. */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import type { CheckResult } from '../monitoring/health.js'
import type { SyncMetrics } from '../monitoring/metrics.js'
import type { Monitor } from '../monitoring/monitor.js'
import type { Runs } from '../ops/runs.js'
import type { ResolvedOptions } from '../options.js'
import type { PayloadDatabase } from '../queue/database.js'
import type { Delivery } from '../queue/delivery.js'
import type { JobStore } from '../queue/jobs.js'
import type { QueueRunner } from '../queue/runner.js'
import type { StateStore } from '../queue/state.js'
import type { RealtimeWatch } from '../realtime/watch.js'
import type { ReconcileSummary } from '../reconcile/reconcile.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'

export interface SyncRuntime {
  payload: Payload
  options: ResolvedOptions
  logger: Logger
  target: SupabaseTarget
  collections: Map<string, SyncedCollection>
  db: PayloadDatabase
  jobs: JobStore
  state: StateStore
  delivery: Delivery
  /** Absent in command mode (the bin script runs its one operation). */
  runner?: QueueRunner
  /** The last full reconcile of each collection in this process, with when it ended, for status. */
  lastReconcile: Map<string, ReconcileSummary & { at: string }>
  /** The startup reconcile, running in the background. */
  initialSync?: Promise<void>
  /** Long runs started from the endpoints, to poll and cancel. */
  runs: Runs
  metrics: SyncMetrics
  /** Alerts, scheduled checks, rollups (absent in command mode). */
  monitor?: Monitor
  /** Watches the synced tables through Supabase Realtime (where `realtime` is on). */
  watch?: RealtimeWatch
  /** The last validate of each collection in this process (a check, the console's, the command's). */
  lastCheck: Map<string, CheckResult>
}
