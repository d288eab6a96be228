/**
 * What the console says about a run and an action, one sentence each: a check's progress and result,
 * the answers of sync / retry / pull (for toasts), and an endpoint's error answer. Pure.
 */
import type { RunProgress } from '../../reconcile/progress.js'
import { driftText, formatAge } from '../health.js'
import { describeFailure } from './documentState.js'

const n = (value: number) => value.toLocaleString('en-US')
const plural = (count: number, word: string) => `${n(count)} ${word}${count === 1 ? '' : 's'}`

/** A running check's progress in one line. */
export function describeProgress(p: RunProgress | null | undefined): string {
  if (!p) return 'starting …'
  const left =
    p.etaMs !== null && p.documents < p.total ? ` · about ${formatAge(p.etaMs)} left` : ''
  return `${n(p.documents)} / ${n(p.total)} documents · ${n(p.rows)} rows · ${n(p.differences)} differing · ${n(p.rate)}/s${left}`
}

/** 0..1 for a progress bar. */
export function progressFraction(p: RunProgress | null | undefined): number {
  if (!p || p.total <= 0) return 0
  return Math.min(1, Math.max(0, p.documents / p.total))
}

/** What a check found, in words ("in sync" when nothing). */
export function describeCheck(c: {
  missing: number
  extra: number
  changed: number
  failed: number
}): string {
  return driftText(c) || 'in sync'
}

/** A sync / retry answer (`POST …/sync`, `POST …/retry`) in one sentence, for a toast. */
export function describeSyncResult(r: {
  upserted?: number
  deleted?: number
  unchanged?: number
  queued?: number
  failed?: Array<{ id: string; message: string }>
  orphansKept?: number
  guard?: string
}): { ok: boolean; text: string } {
  const parts = [
    r.upserted ? `${n(r.upserted)} written` : '',
    r.deleted ? `${n(r.deleted)} deleted` : '',
    r.unchanged ? `${n(r.unchanged)} already equal` : '',
    r.queued ? `${n(r.queued)} queued behind a delivery under way` : '',
    r.failed?.length ? `${n(r.failed.length)} failed: ${describeFailure(r.failed[0])}` : '',
    r.orphansKept ? `${plural(r.orphansKept, 'extra row')} kept` : '',
  ].filter(Boolean)
  const guard = r.guard ? ` The mass-delete guard refused: ${r.guard}` : ''
  return {
    ok: !r.failed?.length && !r.guard,
    text: `${parts.length ? parts.join(', ') : 'nothing to do'}.${guard}`,
  }
}

/** A pull answer (`POST …/pull`) in one sentence, for a toast. */
export function describePullResult(r: {
  pulled?: Array<{ id: string; fields: string[] }>
  refused?: Array<{ id: string; fields: string[] }>
  skipped?: Array<{ id: string; reason: string }>
  failed?: Array<{ id: string; message: string }>
}): { ok: boolean; text: string } {
  const parts = [
    ...(r.pulled ?? []).map((p) => `took ${p.fields.join(', ')} from Supabase`),
    ...(r.refused ?? []).map((p) => `read-only, not pulled: ${p.fields.join(', ')}`),
    ...(r.skipped ?? []).map((s) => `skipped: ${s.reason}`),
    ...(r.failed ?? []).map((f) => `failed: ${describeFailure(f)}`),
  ]
  return {
    ok: !r.skipped?.length && !r.failed?.length && (r.pulled?.length ?? 0) > 0,
    text: parts.length ? `${parts.join('; ')}.` : 'nothing differed: nothing pulled.',
  }
}

/** An error answer of the endpoints (`{ errors: [{ message }] }`) or a network failure, in one line. */
export function errorText(body: unknown, status?: number): string {
  const message = (body as { errors?: Array<{ message?: string }> } | null)?.errors?.[0]?.message
  if (message) return message
  return status ? `the server answered ${status}` : 'no answer from the server'
}
