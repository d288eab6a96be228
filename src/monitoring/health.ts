/**
 * Is the sync healthy? The rules behind `/health`, the alerts and the dashboard panel, from what the
 * plugin knows: whether Supabase answers, failed and waiting jobs, a pause, and the drift the last
 * check found. Pure.
 */

/** What a full validate of a collection found, and when. */
export interface CheckResult {
  at: string
  /** When the check began reading (what it found may be older than `at`). */
  startedAt?: string
  missing: number
  extra: number
  changed: number
  failed: number
}

/** The last full check of a collection, and where it was found. */
export interface LastCheck {
  at: string
  missing: number
  extra: number
  changed: number
  failed: number
  /** This process's `runtime.lastCheck`, or the latest `validate` Sync event (another instance, a restart). */
  source: 'process' | 'event'
}

export interface HealthSignals {
  /** null: not known (not probed). */
  supabaseUp: boolean | null
  supabaseError?: string
  failedJobs: number
  oldestPendingAgeMs: number | null
  /** Delivery paused: the endpoint refuses every request. */
  paused?: string
  /** The last check's findings per collection. */
  drift: Array<{
    collection: string
    missing: number
    extra: number
    changed: number
    failed: number
    at: string
  }>
}

export interface HealthThresholds {
  /** A pending job older than this is a problem (ms). */
  pendingOlderThanMs: number
}

export interface Health {
  status: 'ok' | 'degraded'
  reasons: string[]
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function assessSync(signals: HealthSignals, thresholds: HealthThresholds): Health {
  const reasons: string[] = []
  if (signals.supabaseUp === false)
    reasons.push(
      `Supabase is not reachable${signals.supabaseError ? `: ${signals.supabaseError.split(' — ')[0]}` : ''}`,
    )
  if (signals.paused) reasons.push(`delivery is paused: ${signals.paused.split(' — ')[0]}`)
  if (signals.failedJobs > 0)
    reasons.push(
      `${plural(signals.failedJobs, 'delivery')} failed for good (retry them, or fix the cause)`,
    )
  if (
    signals.oldestPendingAgeMs !== null &&
    signals.oldestPendingAgeMs > thresholds.pendingOlderThanMs
  ) {
    reasons.push(
      `the oldest pending change has waited ${Math.round(signals.oldestPendingAgeMs / 1000)} s`,
    )
  }
  for (const d of signals.drift) {
    const total = d.missing + d.extra + d.changed + d.failed
    if (total > 0)
      reasons.push(
        `${d.collection}: the last check (${d.at}) found ${d.missing} missing, ${d.extra} extra, ${d.changed} changed, ${d.failed} unmappable`,
      )
  }
  return { status: reasons.length ? 'degraded' : 'ok', reasons }
}
