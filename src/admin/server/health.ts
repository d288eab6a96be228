/**
 * What the dashboard panel and the console's header show, read once for both: the sync status (never
 * waiting longer than `statusTimeoutMs`), the last check and the last reconcile of each collection, and
 * the verdict (`assessHealth`), or why the status could not be read.
 */
import type { Payload } from 'payload'
import type { SyncRuntime } from '../../lifecycle/runtime.js'
import { syncStatus, type StatusResult } from '../../ops/status.js'
import { countsMaxAgeMs, type CountReuse } from '../../ops/status-counts.js'
import { assessHealth, shortError, type LastCheck, type SyncHealth } from '../health.js'
import { loadLastChecks } from '../../monitoring/last-checks.js'
import { loadLastRuns, type LastRun } from './lastRuns.js'

/** The dashboard and the console do not wait longer than this for the status (a hanging Supabase retries for long). */
export const statusTimeoutMs = 5_000

export interface LoadedStatus {
  status?: StatusResult
  error?: string
}

/**
 * One status read at a time per Payload, shared by whoever asks meanwhile: a read given up on (the
 * timeout below) goes on retrying a hanging Supabase for up to a minute, and every open console tab
 * and dashboard asks again every 5 s — each would leave one more read retrying in the background.
 */
const inFlight = new WeakMap<Payload, Promise<StatusResult>>()

function sharedStatus(payload: Payload, reuse: CountReuse): Promise<StatusResult> {
  let read = inFlight.get(payload)
  if (!read) {
    read = syncStatus(payload, { reuseCounts: reuse }).finally(() => inFlight.delete(payload))
    inFlight.set(payload, read)
  }
  return read
}

/**
 * The status for the dashboard and the console. Their refreshes come every 5 s from every open tab:
 * the documents and rows counts (a scan of each table) are reused while younger than `countsMaxAgeMs`
 * (status-counts.ts), the rest — jobs, failures, Supabase's reachability — is read each time.
 */
export async function loadStatus(
  payload: Payload,
  timeoutMs = statusTimeoutMs,
  reuse: CountReuse = { maxAgeMs: countsMaxAgeMs },
): Promise<LoadedStatus> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs / 1000} s (Supabase slow or down?)`)),
      timeoutMs,
    )
  })
  try {
    return { status: await Promise.race([sharedStatus(payload, reuse), timeout]) }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  } finally {
    clearTimeout(timer)
  }
}

export interface LoadedHealth {
  status?: StatusResult
  health?: SyncHealth
  /** What needs attention (the verdict's problems, or why the status could not be read). */
  problems: string[]
  checks: Map<string, LastCheck>
  runs: Map<string, LastRun>
}

export async function loadHealth(payload: Payload, runtime: SyncRuntime): Promise<LoadedHealth> {
  const { status, error } = await loadStatus(payload)
  const [checks, runs] = await Promise.all([
    loadLastChecks(payload, runtime),
    loadLastRuns(payload, status),
  ])
  const health = status
    ? assessHealth(status, {
        mayDiffer: (slug) => {
          const collection = runtime.collections.get(slug)
          return Boolean(collection?.drafts || collection?.shouldSync)
        },
        lastCheck: (slug) => checks.get(slug),
      })
    : undefined
  const problems = health
    ? health.problems
    : [`the sync status could not be read: ${shortError(error ?? 'unknown error')}`]
  return { status, health, problems, checks, runs }
}
