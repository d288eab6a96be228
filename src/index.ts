export { supabaseSync } from './plugin.js'
export { Dealers } from './collections/dealers.js'
export { dealerMapper, dealerRowSchema, dealerApiConfigSchema, dealerPlatforms, type DealerRow, type DealerDoc, type DealerApiConfig } from './mapping/dealer.js'
export { defineMapper, type SyncMapper, type Row, type Doc } from './mapping/types.js'
export {
  pluginOptionsSchema,
  type SupabaseSyncOptions,
  type ResolvedOptions,
  type CollectionSyncOptions,
  type RetryOptions,
  type QueueOptions,
} from './options.js'
export { SyncError, MappingError, TargetError, ConfigError, MassDeleteError, type SyncOperation } from './errors.js'
export { syncTaskSlug, type SyncJobInput } from './sync/task.js'
export { diffRows, changedFields, sameValue, type RowDiff, type RowChange } from './sync/diff.js'
export type { ReconcileSummary, FailedDocument } from './sync/reconcile.js'
export { whenIdle } from './sync/idle.js'
export { SyncEvents, eventsSlug } from './collections/events.js'
export {
  validateSync,
  syncDocuments,
  resetTable,
  pullFromSupabase,
  syncStatus,
  type OperationOptions,
  type ValidateResult,
  type SyncResult,
  type ResetResult,
  type PullResult,
  type StatusResult,
} from './ops/operations.js'
