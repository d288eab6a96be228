/**
 * The per-minute rollups as a chart's series: the last hour by the minute, the last 24 hours by the
 * quarter hour, the last 7 days by two hours. Rows of every instance and collection of a step add up
 * (lag as bucket counts, so the percentile is of all deliveries of the step). Pure.
 */
import { lagBuckets, lagPercentile } from './rollups.js'

export const historyRanges = {
  '1h': { label: 'last hour', ms: 3_600_000, stepMs: 60_000 },
  '24h': { label: 'last 24 hours', ms: 86_400_000, stepMs: 900_000 },
  '7d': { label: 'last 7 days', ms: 604_800_000, stepMs: 7_200_000 },
} as const
export type HistoryRange = keyof typeof historyRanges

export const isHistoryRange = (value: unknown): value is HistoryRange =>
  typeof value === 'string' && Object.hasOwn(historyRanges, value)

/** One rollup row as stored: a minute of one collection (or `*`) of one or more instances. */
export interface RollupRow {
  minute: string | Date
  deliveries: number
  failures: number
  requests: number
  pending: number
  lag: number[] | null
}

/**
 * One step of a chart. The counts are null for a step no instance has recorded: an instance adds a
 * minute's row (at least its pending sample) once the minute is over, so the current minute has none
 * yet — a 0 there read as "nothing pending, nothing delivered" at the chart's end, and as its latest
 * value. A chart's latest value is its last recorded step.
 */
export interface HistoryPoint {
  /** The start of the step. */
  at: string
  deliveries: number | null
  failures: number | null
  requests: number | null
  /** The most changes waiting at once during the step. */
  pending: number | null
  /** 95th percentile of commit → Supabase lag, ms (upper bound of its bucket); null: no delivery. */
  lagP95: number | null
}

export function historySeries(rows: readonly RollupRow[], range: HistoryRange, now: number) {
  const { ms, stepMs } = historyRanges[range]
  const end = Math.floor(now / stepMs) * stepMs + stepMs
  const start = end - Math.ceil(ms / stepMs) * stepMs
  const steps = Math.round((end - start) / stepMs)
  const sums = Array.from({ length: steps }, (_, i) => ({
    at: start + i * stepMs,
    deliveries: 0,
    failures: 0,
    requests: 0,
    pending: 0,
    lag: lagBuckets.map(() => 0),
    recorded: false,
  }))
  for (const row of rows) {
    const t = new Date(row.minute).getTime()
    if (!(t >= start && t < end)) continue
    const step = sums[Math.floor((t - start) / stepMs)]
    step.recorded = true
    step.deliveries += Number(row.deliveries) || 0
    step.failures += Number(row.failures) || 0
    step.requests += Number(row.requests) || 0
    step.pending = Math.max(step.pending, Number(row.pending) || 0)
    row.lag?.forEach((n, i) => {
      if (i < step.lag.length) step.lag[i] += Number(n) || 0
    })
  }
  return sums.map((s): HistoryPoint => ({
    at: new Date(s.at).toISOString(),
    deliveries: s.recorded ? s.deliveries : null,
    failures: s.recorded ? s.failures : null,
    requests: s.recorded ? s.requests : null,
    pending: s.recorded ? s.pending : null,
    lagP95: lagPercentile(s.lag, 0.95),
  }))
}
