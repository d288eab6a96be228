export { supabaseSync } from './plugin.js'
export { Dealers } from './collections/dealers.js'
export {
  dealerMapper,
  dealerRowSchema,
  dealerApiConfigSchema,
  dealerPlatforms,
  type DealerRow,
  type DealerDoc,
  type DealerApiConfig,
} from './mapping/dealer.js'
export { defineMapper, type SyncMapper, type Row, type Doc } from './mapping/types.js'
export { fingerprint } from './mapping/fingerprint.js'
export {
  pluginOptionsSchema,
  type SupabaseSyncOptions,
  type ResolvedOptions,
  type CollectionSyncOptions,
  type RetryOptions,
  type QueueOptions,
  type AccessFunction,
} from './options.js'
export {
  SyncError,
  MappingError,
  TargetError,
  ConfigError,
  MassDeleteError,
  CancelledError,
  BusyError,
  LockLostError,
  InputError,
  type SyncOperation,
  type FailureKind,
} from './errors.js'
export { syncTaskSlug, documentKey, type SyncJobInput } from './queue/keys.js'
export {
  diffRows,
  changedFields,
  sameValue,
  type RowDiff,
  type RowChange,
} from './reconcile/diff.js'
export type { ReconcileSummary, FailedDocument } from './reconcile/reconcile.js'
export { whenIdle } from './idle.js'
export { SyncEvents, eventsSlug } from './collections/events.js'
export { SyncState, stateSlug } from './collections/state.js'
export { validateSync, type ValidateResult } from './ops/validate.js'
export { syncDocuments, resetTable, type ResetResult } from './ops/sync.js'
export { pullFromSupabase, type PullResult } from './ops/pull.js'
export { syncStatus, type StatusResult } from './ops/status.js'
export { retryFailed } from './ops/retry.js'
export { resolveAccess, adminUser, type Access, type Right } from './ops/access.js'
export type { OperationOptions, SyncResult } from './ops/options.js'
export type { RunProgress } from './reconcile/progress.js'
export type { RunState, RunKind } from './ops/runs.js'
export { doctor, type DoctorResult, type Check } from './ops/doctor.js'
export {
  documentStates,
  type DocumentStatus,
  type DocumentState,
  type FieldDifference,
} from './ops/compare.js'
