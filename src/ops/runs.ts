/**
 * Long runs started from the endpoints (or the console) run in the background: the caller gets a run
 * id at once and polls its state — progress while it runs, the result or the error when it ends — and
 * may cancel it. Runs live in the process that started them (the last 50 are kept; only the latest
 * finished one per collection and operation keeps its whole result, the others its counts).
 */
import { randomUUID } from 'node:crypto'
import { CancelledError, describeCause } from '../errors.js'
import type { ProgressListener, RunProgress } from '../reconcile/progress.js'
import { summarize, type RunSummaryValue } from './run-summary.js'

export type RunKind = 'validate' | 'sync' | 'reset'

export interface RunState {
  id: string
  kind: RunKind
  collection: string
  status: 'running' | 'done' | 'failed' | 'cancelled'
  progress: RunProgress | null
  /** The whole result: of the latest finished run of its collection and operation only. */
  result?: unknown
  /** An older run's result as counts (its lists dropped: see run-summary.ts). */
  summary?: RunSummaryValue
  /** Why it failed, for the client: no SQL, stacks or keys (the log line has the rest). */
  error?: string
  /** The id of the failure's log line. */
  logId?: string
  startedAt: string
  endedAt?: string
  /** A cancel was asked for; the run stops after its current page. */
  cancelling?: boolean
  /** Who started it. */
  user?: string
}

const kept = 50

/** A failure as the run's state shows it. */
export interface RunFailure {
  message: string
  logId?: string
}

/** Reports a failed run (log, Sync event) and says what its state shows. */
export type OnRunFailure = (error: unknown, run: RunState) => Promise<RunFailure>

// Without a reporter (tests, scripts) only the cause's first line: never the driver's SQL.
const describeOnly: OnRunFailure = async (error) => ({ message: describeCause(error) })

export class Runs {
  private readonly runs = new Map<
    string,
    { state: RunState; controller: AbortController; done: Promise<void> }
  >()

  start(
    kind: RunKind,
    collection: string,
    user: string | undefined,
    work: (signal: AbortSignal, onProgress: ProgressListener) => Promise<unknown>,
    onFailure: OnRunFailure = describeOnly,
  ): RunState {
    const controller = new AbortController()
    const state: RunState = {
      id: randomUUID(),
      kind,
      collection,
      status: 'running',
      progress: null,
      startedAt: new Date().toISOString(),
      user,
    }
    const done = work(controller.signal, (progress) => {
      state.progress = progress
    })
      .then(
        (result) => {
          state.status = 'done'
          state.result = result
        },
        async (error: unknown) => {
          if (error instanceof CancelledError)
            state.progress = {
              ...(state.progress ?? { elapsedMs: 0, rate: 0, etaMs: null }),
              ...error.progress,
            }
          // The reporter must not leave the run running for good: a failed report is the cause's line.
          const failure = await onFailure(error, state).catch(() => ({
            message: describeCause(error),
            logId: undefined,
          }))
          state.error = failure.message
          if (failure.logId) state.logId = failure.logId
          state.status = error instanceof CancelledError ? 'cancelled' : 'failed'
        },
      )
      .finally(() => {
        state.endedAt = new Date().toISOString()
        this.summarizeOlder(state)
        this.prune()
      })
    this.runs.set(state.id, { state, controller, done })
    return state
  }

  get(id: string): RunState | undefined {
    return this.runs.get(id)?.state
  }

  list(): RunState[] {
    return [...this.runs.values()].map((r) => r.state).reverse()
  }

  /** Asks a run to stop after its current page; resolves with its state once it has. */
  async cancel(id: string): Promise<RunState | undefined> {
    const run = this.runs.get(id)
    if (!run) return undefined
    if (run.state.status === 'running') run.state.cancelling = true
    run.controller.abort()
    await run.done
    return run.state
  }

  /** Waits for a run to end (tests, scripts). */
  async finished(id: string): Promise<RunState | undefined> {
    await this.runs.get(id)?.done
    return this.get(id)
  }

  /** Older finished runs of the same collection and operation keep counts, not lists. */
  private summarizeOlder(latest: RunState): void {
    for (const { state } of this.runs.values()) {
      if (state === latest || state.result === undefined) continue
      if (state.kind !== latest.kind || state.collection !== latest.collection) continue
      state.summary = summarize(state.result)
      delete state.result
    }
  }

  private prune(): void {
    const ended = [...this.runs.values()].filter((r) => r.state.status !== 'running')
    for (const run of ended.slice(0, Math.max(0, ended.length - kept)))
      this.runs.delete(run.state.id)
  }
}
