/**
 * What the dashboard's sync health panel concludes from `syncStatus(payload)`: OK, or what needs an
 * operator's attention. Pure (no Payload, no React), so the rules are easy to read and to test.
 */
import type { StatusResult } from '../ops/status.js'

/** A pending sync job older than this means deliveries are stuck or retrying an outage. */
export const stalePendingMs = 60_000

export interface CollectionHealth {
  collection: string
  table: string
  documents: number
  rows: number | null
  /** Documents may legitimately outnumber rows (drafts, a shouldSync filter): a difference is no alarm. */
  mayDiffer: boolean
  /** Rows minus documents; null when the rows could not be counted. */
  difference: number | null
  ok: boolean
  /** Why this collection is not OK, or why counts may differ. */
  note?: string
}

export interface SyncHealth {
  ok: boolean
  /** What needs attention, one sentence each; empty when OK. */
  problems: string[]
  collections: CollectionHealth[]
}

export function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`
  return `${(ms / 86_400_000).toFixed(1)} d`
}

/** The first part of an error message (the target's errors append their causes after " — "), at most 200 characters. */
export function shortError(message: string): string {
  const first = message.split(' — ')[0].trim()
  return first.length > 200 ? `${first.slice(0, 199)}…` : first
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * @param mayDiffer per collection slug: documents that are not synced on purpose exist (drafts, shouldSync).
 */
export function assessHealth(
  status: StatusResult,
  mayDiffer: (collection: string) => boolean = () => false,
): SyncHealth {
  const problems: string[] = []
  if (!status.supabase.reachable)
    problems.push(
      `Supabase is not reachable${status.supabase.error ? `: ${shortError(status.supabase.error)}` : ''}`,
    )
  if (status.jobs.failed > 0)
    problems.push(
      `${plural(status.jobs.failed, 'sync job')} failed and will not be retried (see the log and the jobs' errors)`,
    )
  if (status.jobs.oldestPendingAgeMs !== null && status.jobs.oldestPendingAgeMs > stalePendingMs) {
    problems.push(
      `the oldest pending sync job has been waiting for ${formatAge(status.jobs.oldestPendingAgeMs)}`,
    )
  }
  const collections = status.collections.map((c): CollectionHealth => {
    const differ = mayDiffer(c.collection)
    const difference = c.rows === null ? null : c.rows - c.documents
    let ok = true
    let note: string | undefined
    if (difference === null) {
      ok = false
      note = 'rows could not be counted'
    } else if (difference !== 0 && !differ) {
      ok = false
      note =
        difference < 0
          ? `${plural(-difference, 'document')} missing in Supabase`
          : `${plural(difference, 'row')} more than documents`
    } else if (difference !== 0) {
      note = 'drafts and filtered documents are not synced'
    }
    const last = c.lastReconcile
    const lastProblems = [
      ...(last?.failed.length ? [`${plural(last.failed.length, 'document')} failed`] : []),
      ...(last?.guard ? [last.guard] : []),
    ]
    if (lastProblems.length) {
      ok = false
      note = [note, `last reconcile: ${lastProblems.join(', ')}`].filter(Boolean).join('; ')
    }
    if (!ok && difference !== null) problems.push(`${c.collection}: ${note}`)
    return {
      collection: c.collection,
      table: c.table,
      documents: c.documents,
      rows: c.rows,
      mayDiffer: differ,
      difference,
      ok,
      note,
    }
  })
  return { ok: problems.length === 0 && collections.every((c) => c.ok), problems, collections }
}
