/** The dependencies of the reconcile and validate, taken from a running plugin. */
import type { ReconcileDeps } from '../reconcile/reconcile.js'
import type { ValidateDeps } from '../reconcile/validate.js'
import type { SyncRuntime } from './runtime.js'

export function reconcileDeps(runtime: SyncRuntime): ReconcileDeps {
  const { payload, db, target, delivery, jobs, logger, options } = runtime
  return {
    payload,
    db,
    target,
    delivery,
    jobs,
    logger,
    deleteOrphans: options.deleteOrphans,
    maxDeleteFraction: options.maxDeleteFraction,
    queued: () => runtime.runner?.kick(),
    observe: (summary) =>
      runtime.metrics.reconciled(
        summary.collection,
        summary.failed.length ? 'failed' : 'ok',
        summary.ms,
      ),
  }
}

export function validateDeps(runtime: SyncRuntime): ValidateDeps {
  const { payload, db, target, logger } = runtime
  return { payload, db, target, logger }
}
