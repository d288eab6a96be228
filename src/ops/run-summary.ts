/**
 * A finished run's result as counts: what an older run keeps. A check of a table far off lists every
 * id (several MB), and 50 runs are kept: only the latest run per collection and operation keeps its
 * lists (the console shows that one); the others keep how many of each.
 */
export type RunSummaryValue = number | string | boolean | null | RunSummary
export interface RunSummary {
  [key: string]: RunSummaryValue
}

/** Lists become their lengths, objects are summarized key by key, the rest stays. */
export function summarize(value: unknown): RunSummaryValue {
  if (Array.isArray(value)) return value.length
  if (value === null || value === undefined) return null
  if (typeof value === 'object') {
    const out: RunSummary = {}
    for (const [key, inner] of Object.entries(value)) out[key] = summarize(inner)
    return out
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return value
  return null
}
