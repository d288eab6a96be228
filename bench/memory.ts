/**
 * What a run costs in memory, three ways: peak RSS growth over the idle process (what the issue's
 * target is about), peak JS heap growth (garbage included), and the live heap — the most the heap held
 * right after a full collection during the run, which is what the run keeps, whatever V8's sizing.
 * V8 lets garbage reach up to 4× the live heap before it collects when the heap may grow to 4 GB (a
 * machine with 16 GB or more); in a process whose heap is capped (a container), much less.
 */
import v8 from 'node:v8'
import type { RequestStats } from '../dev/postgrest/stats.js'

export interface RequestCounter {
  resetStats(): Promise<void>
  stats(): Promise<RequestStats>
}

export interface Measurement<T> {
  value: T
  ms: number
  rssMb: number
  heapMb: number
  /** Growth of the heap after full collections during the run (NaN when none ran). */
  liveMb: number
  requests: number
  writes: number
}

export async function measure<T>(
  counter: RequestCounter | undefined,
  work: () => Promise<T>,
): Promise<Measurement<T>> {
  ;(globalThis as { gc?: () => void }).gc?.()
  const baseline = process.memoryUsage()
  let rssPeak = baseline.rss
  let heapPeak = baseline.heapUsed
  const sample = () => {
    const now = process.memoryUsage()
    rssPeak = Math.max(rssPeak, now.rss)
    heapPeak = Math.max(heapPeak, now.heapUsed)
  }
  const sampler = setInterval(sample, 20)
  const profiler = new v8.GCProfiler()
  await counter?.resetStats()
  let profile: ReturnType<v8.GCProfiler['stop']> | undefined
  profiler.start()
  const started = performance.now()
  try {
    const value = await work()
    const ms = performance.now() - started
    sample()
    const stats = await counter?.stats()
    profile = profiler.stop()
    const full = (profile?.statistics ?? []).filter((s) => s.gcType === 'MarkSweepCompact')
    const live = full.length
      ? Math.max(...full.map((s) => s.afterGC.heapStatistics.usedHeapSize))
      : NaN
    return {
      value,
      ms,
      rssMb: (rssPeak - baseline.rss) / 1e6,
      heapMb:
        (Math.max(heapPeak, ...full.map((s) => s.beforeGC.heapStatistics.usedHeapSize)) -
          baseline.heapUsed) /
        1e6,
      liveMb: (live - baseline.heapUsed) / 1e6,
      requests: stats?.total ?? NaN,
      writes: stats ? (stats.byMethod.POST ?? 0) + (stats.byMethod.DELETE ?? 0) : NaN,
    }
  } finally {
    clearInterval(sampler)
    if (!profile) profiler.stop()
  }
}

export const mb = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(0)} MB`)
