/**
 * What a background run that fails leaves behind, as a request that fails does (endpoint.ts): a log
 * line with an id, a Sync event for the operation (refused when it was busy), and for the client's
 * poll a message without SQL, stacks or keys. A reset records its own end (sync.ts), and a run that
 * was cancelled or lost its lock is recorded by the operation (recordCancel): only logged here.
 */
import { randomUUID } from 'node:crypto'
import { BusyError, CancelledError, LockLostError, MassDeleteError } from '../errors.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { recordEvent, type Actor } from './audit.js'
import { publicFailure } from './http-errors.js'
import type { RunFailure, RunState } from './runs.js'

export function reportRunFailure(runtime: SyncRuntime, actor: Actor) {
  return async (error: unknown, run: RunState): Promise<RunFailure> => {
    const failure = publicFailure(error, runtime)
    if (error instanceof CancelledError) return { message: failure.message }
    const logId = randomUUID()
    runtime.logger.error(
      {
        err: error,
        logId,
        run: run.id,
        op: run.kind,
        collection: run.collection,
        user: actor.user,
      },
      `supabase-sync: ${run.kind} run failed`,
    )
    if (run.kind !== 'reset' && !(error instanceof LockLostError))
      await recordEvent(runtime, {
        action: run.kind,
        collectionSlug: run.collection,
        outcome:
          error instanceof BusyError || error instanceof MassDeleteError ? 'refused' : 'failed',
        summary: `${run.kind} run: ${failure.message}`,
        details: { logId, run: run.id },
        actor,
      })
    return { message: failure.message, logId }
  }
}
