/**
 * What the dashboard's sync health panel and the sync console's header conclude from
 * `syncStatus(payload)` and the last check of each collection: OK, or what needs an operator's
 * attention. Pure (no Payload, no React), so the rules are easy to read and to test.
 */
import type { StatusResult } from '../ops/status.js'

/** A pending sync job older than this means deliveries are stuck or retrying an outage. */
export const stalePendingMs = 60_000

/** What the last full check (validate) of a collection found, and where that is known from. */
import type { LastCheck } from '../monitoring/health.js'
export type { LastCheck }

export interface CollectionHealth {
  collection: string
  table: string
  documents: number
  rows: number | null
  /** Documents may legitimately outnumber rows (drafts, a shouldSync filter). */
  mayDiffer: boolean
  /** Rows minus documents; null when the rows could not be counted. Counts only: never a verdict. */
  difference: number | null
  /** The last check, with its age; undefined when the collection has never been checked. */
  check?: LastCheck & { ageMs: number }
  /** Rows the last check found differing (missing + extra + changed + unmappable); null: never checked. */
  drift: number | null
  ok: boolean
  /** Why this collection is not OK. */
  note?: string
  /** About the counts (informational: a count tells how many, not whether they are equal). */
  countNote?: string
  /** How old the counts are, when reused from an earlier read (status-counts.ts); absent when counted now. */
  countAgeMs?: number
  /** The realtime watch, when on: "watched (Realtime)", or why not (informational: the checks remain). */
  realtimeNote?: string
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

/** What a check found, in words: "1 missing, 2 changed rows". */
export function driftText(c: {
  missing: number
  extra: number
  changed: number
  failed: number
}): string {
  return [
    c.missing ? `${c.missing} missing` : '',
    c.extra ? `${c.extra} extra` : '',
    c.changed ? plural(c.changed, 'changed row') : '',
    c.failed ? `${c.failed} unmappable` : '',
  ]
    .filter(Boolean)
    .join(', ')
}

export interface AssessOptions {
  /** Per collection slug: documents that are not synced on purpose exist (drafts, shouldSync). */
  mayDiffer?: (collection: string) => boolean
  /** The last full check of a collection (runtime.lastCheck, else the latest validate Sync event). */
  lastCheck?: (collection: string) => LastCheck | undefined
  now?: number
}

/**
 * OK, or what needs attention: Supabase unreachable, failed jobs, a stale pending job, drift the last
 * check found (with its age), a last reconcile with failures or a guard refusal. Documents and rows
 * are shown as counts and never judged: equal counts do not mean equal rows (a changed row counts
 * the same), and drafts or a filter make them differ legitimately — only a check compares rows.
 */
export function assessHealth(status: StatusResult, options: AssessOptions = {}): SyncHealth {
  const mayDiffer = options.mayDiffer ?? (() => false)
  const now = options.now ?? Date.now()
  const problems: string[] = []
  if (!status.supabase.reachable)
    problems.push(
      `Supabase is not reachable${status.supabase.error ? `: ${shortError(status.supabase.error)}` : ''}`,
    )
  if (status.paused) problems.push(`delivery is paused: ${shortError(status.paused.reason)}`)
  if (status.jobs.failed > 0)
    problems.push(
      `${plural(status.jobs.failed, 'sync job')} failed and will not be retried (retry them in the sync console)`,
    )
  if (status.jobs.oldestPendingAgeMs !== null && status.jobs.oldestPendingAgeMs > stalePendingMs) {
    problems.push(
      `the oldest pending sync job has been waiting for ${formatAge(status.jobs.oldestPendingAgeMs)}`,
    )
  }
  const collections = status.collections.map((c): CollectionHealth => {
    const differ = mayDiffer(c.collection)
    const difference = c.rows === null ? null : c.rows - c.documents
    const last = options.lastCheck?.(c.collection)
    const check = last ? { ...last, ageMs: Math.max(0, now - Date.parse(last.at)) } : undefined
    const drift = check ? check.missing + check.extra + check.changed + check.failed : null
    let countNote: string | undefined
    if (difference === null) countNote = 'rows could not be counted'
    else if (difference !== 0)
      countNote = differ
        ? `${plural(Math.abs(difference), difference < 0 ? 'document' : 'row')} more than ${difference < 0 ? 'rows' : 'documents'} (drafts and filtered documents are not synced)`
        : `${plural(Math.abs(difference), difference < 0 ? 'document' : 'row')} more than ${difference < 0 ? 'rows' : 'documents'}: run a check to compare the rows`
    // Counted by this read, or reused from an earlier one (a second and more: worth saying).
    const countAgeMs = c.countedAt ? Math.max(0, now - Date.parse(c.countedAt)) : 0
    const notes: string[] = []
    if (check && drift)
      notes.push(`the last check (${formatAge(check.ageMs)} ago) found ${driftText(check)}`)
    const lastReconcile = c.lastReconcile
    const reconcileProblems = [
      ...(lastReconcile?.failed.length
        ? [`${plural(lastReconcile.failed.length, 'document')} failed`]
        : []),
      ...(lastReconcile?.guard ? [lastReconcile.guard] : []),
    ]
    if (reconcileProblems.length) notes.push(`last reconcile: ${reconcileProblems.join(', ')}`)
    const realtimeNote = c.realtime ? realtimeText(c.realtime, now) : undefined
    const ok = notes.length === 0
    const note = notes.length ? notes.join('; ') : undefined
    if (note) problems.push(`${c.collection}: ${note}`)
    return {
      collection: c.collection,
      table: c.table,
      documents: c.documents,
      rows: c.rows,
      mayDiffer: differ,
      difference,
      ...(check ? { check } : {}),
      drift,
      ok,
      ...(note ? { note } : {}),
      ...(countNote ? { countNote } : {}),
      ...(countAgeMs >= 1_000 ? { countAgeMs } : {}),
      ...(realtimeNote ? { realtimeNote } : {}),
    }
  })
  return { ok: problems.length === 0, problems, collections }
}

/** The realtime watch in words: not a problem when away (the scheduled checks still find drift). */
function realtimeText(
  r: NonNullable<StatusResult['collections'][number]['realtime']>,
  now: number,
): string {
  const since = formatAge(Math.max(0, now - Date.parse(r.since)))
  if (r.status === 'subscribed') return `Realtime: watched (${since})`
  if (r.status === 'connecting') return 'Realtime: connecting'
  const why = r.error ? `: ${shortError(r.error)}` : ''
  return r.status === 'reconnecting'
    ? `Realtime: reconnecting for ${since}${why}`
    : `Realtime: not available${why} — the scheduled checks find direct edits instead`
}
