/**
 * What the sync console, the document's sidebar box and the list column show, computed from the
 * endpoints' answers: the side-by-side table's lines (nested `api_config` keys as their own lines, JSON
 * pretty-printed with stable key order, long values folded), a document's state as a label and a pill
 * colour, progress and result sentences, pages of long lists. Pure (no React, no Payload, no I/O), so
 * both the server and the browser use it and the rules are easy to test.
 */
import type { DocumentStatus, FieldDifference } from '../ops/compare.js'
import type { RunProgress } from '../reconcile/progress.js'
import { driftText, formatAge } from './health.js'

export { formatAge }

/** A value as the table shows it: the whole text, and a folded preview when it is long. */
export interface ShownValue {
  /** The whole value as text (JSON pretty-printed). */
  text: string
  /** What is shown while folded (the whole text when not folded). */
  preview: string
  folded: boolean
  /** How the value is written: JSON (objects, arrays), text, a number or boolean, null, or absent. */
  kind: 'json' | 'text' | 'scalar' | 'null' | 'absent'
}

export interface CompareLine {
  /** What `POST …/pull` takes in `fields`: a column, or `column.key` inside an object column. */
  field: string
  column: string
  key?: string
  /** `api_config › utm_config` for a key inside a column; the column otherwise. */
  label: string
  payload: ShownValue
  supabase: ShownValue
  readOnly: boolean
  /** Why it cannot be pulled into Payload (read-only columns only). */
  readOnlyReason?: string
}

export interface FoldLimits {
  /** Lines shown while folded. */
  lines: number
  /** Characters shown while folded. */
  chars: number
}

export const defaultFold: FoldLimits = { lines: 10, chars: 400 }

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The same value with object keys in alphabetical order (jsonb reorders keys: compare like with like). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (!isPlainObject(value)) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  )
}

/** Folds `text` to at most `limits.lines` lines and `limits.chars` characters. */
export function fold(
  text: string,
  limits: FoldLimits = defaultFold,
): { preview: string; folded: boolean } {
  const lines = text.split('\n')
  let preview = lines.length > limits.lines ? lines.slice(0, limits.lines).join('\n') : text
  if (preview.length > limits.chars) preview = preview.slice(0, limits.chars)
  if (preview === text) return { preview: text, folded: false }
  return { preview: `${preview.replace(/\s+$/, '')}…`, folded: true }
}

/** A value of either side as text: JSON pretty-printed (keys sorted), strings as they are. */
export function showValue(value: unknown, limits: FoldLimits = defaultFold): ShownValue {
  if (value === undefined)
    return { text: '(absent)', preview: '(absent)', folded: false, kind: 'absent' }
  if (value === null) return { text: 'null', preview: 'null', folded: false, kind: 'null' }
  if (typeof value === 'string') {
    const text = value === '' ? '""' : value
    return { text, ...fold(text, limits), kind: 'text' }
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    const text = String(value)
    return { text, preview: text, folded: false, kind: 'scalar' }
  }
  const text = JSON.stringify(sortKeys(value), null, 2) ?? String(value)
  return { text, ...fold(text, limits), kind: 'json' }
}

/** Why a read-only column cannot be pulled into Payload. */
export function readOnlyReason(column: string, primaryKey = 'id'): string {
  if (column === primaryKey)
    return `Read-only: "${column}" is the document's key; it is never written back into Payload.`
  return `Read-only: Payload sets "${column}" itself (the mapper's readOnlyColumns), so it cannot be pulled; Push to Supabase writes Payload's value.`
}

/** The side-by-side table's lines, one per differing column or key, in the endpoint's order. */
export function compareLines(
  fields: readonly FieldDifference[] | undefined,
  options: { fold?: FoldLimits; primaryKey?: string } = {},
): CompareLine[] {
  return (fields ?? []).map((f) => {
    const dot = f.field.indexOf('.')
    const column = dot < 0 ? f.field : f.field.slice(0, dot)
    const key = dot < 0 ? undefined : f.field.slice(dot + 1)
    return {
      field: f.field,
      column,
      ...(key === undefined ? {} : { key }),
      label: key === undefined ? column : `${column} › ${key}`,
      payload: showValue(f.payload, options.fold),
      supabase: showValue(f.supabase, options.fold),
      readOnly: f.readOnly,
      ...(f.readOnly ? { readOnlyReason: readOnlyReason(column, options.primaryKey) } : {}),
    }
  })
}

export type StateKey =
  | 'in-sync'
  | 'pending'
  | 'failed'
  | 'differs'
  | 'not-in-supabase'
  | 'missing'
  | 'extra'
  | 'unmappable'

/** Payload's Pill styles used here. */
export type StatePill = 'success' | 'warning' | 'error' | 'light-gray'

export interface StateView {
  key: StateKey
  /** In sync, Pending, Failed, Differs, Not in Supabase, Extra in Supabase, Cannot be mapped. */
  label: string
  pill: StatePill
  /** Since when (pending), the cause (failed), which fields (differs), why (not in Supabase). */
  detail?: string
  /** The differing fields, when it differs (also while pending or failed). */
  fields?: string[]
}

const clock = (iso: string) => {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(11, 19) + ' UTC'
}

/** A failure's cause in one line: the message, with the HTTP status and the code when known. */
export function describeFailure(failure: {
  message: string
  status?: number
  code?: string
  field?: string
}): string {
  const first = failure.message.split(' — ')[0].trim()
  const extra = [
    failure.status ? `HTTP ${failure.status}` : undefined,
    failure.code ? `code ${failure.code}` : undefined,
    failure.field ? `field ${failure.field}` : undefined,
  ].filter(Boolean)
  const text = extra.length ? `${first} (${extra.join(', ')})` : first
  return text.length > 300 ? `${text.slice(0, 299)}…` : text
}

/**
 * A document's state for the sidebar box and the list pill. A failed delivery comes first (it will not
 * go through by itself), then a pending one (what Supabase holds is about to change), then the comparison.
 */
export function describeState(status: DocumentStatus, now = Date.now()): StateView {
  const fields = status.fields?.map((f) => f.field)
  const withFields = fields?.length ? { fields } : {}
  if (status.failure)
    return {
      key: 'failed',
      label: 'Failed',
      pill: 'error',
      detail: describeFailure(status.failure),
      ...withFields,
    }
  if (status.pendingSince) {
    const age = now - Date.parse(status.pendingSince)
    return {
      key: 'pending',
      label: 'Pending',
      pill: 'warning',
      detail: `since ${clock(status.pendingSince)}${Number.isNaN(age) ? '' : ` (${formatAge(age)} ago)`}`,
      ...withFields,
    }
  }
  switch (status.state) {
    case 'in-sync':
      return { key: 'in-sync', label: 'In sync', pill: 'success' }
    case 'differs':
      return {
        key: 'differs',
        label: 'Differs',
        pill: 'warning',
        detail: fields?.length ? fields.join(', ') : undefined,
        ...withFields,
      }
    case 'missing':
      return {
        key: 'missing',
        label: 'Not in Supabase',
        pill: 'error',
        detail: 'missing: it belongs in Supabase but has no row there (Sync now writes it)',
      }
    case 'not-in-supabase':
      return {
        key: 'not-in-supabase',
        label: 'Not in Supabase',
        pill: 'light-gray',
        detail: status.reason,
      }
    case 'extra':
      return { key: 'extra', label: 'Extra in Supabase', pill: 'error', detail: status.reason }
    case 'unmappable':
      return { key: 'unmappable', label: 'Cannot be mapped', pill: 'error', detail: status.reason }
  }
}

/** A page of a long list: never more than `size` items rendered, whatever the list's length. */
export interface Page<T> {
  items: T[]
  /** 1-based, clamped to the pages there are. */
  page: number
  pages: number
  total: number
  /** 1-based positions of the first and last item shown (0 and 0 when empty). */
  from: number
  to: number
}

export function pageOf<T>(list: readonly T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(list.length / size))
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages)
  const start = (current - 1) * size
  const items = list.slice(start, start + size)
  return {
    items,
    page: current,
    pages,
    total: list.length,
    from: items.length ? start + 1 : 0,
    to: start + items.length,
  }
}

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

/** At most `max` ids per request (the documents endpoint takes up to 150). */
export function chunks<T>(list: readonly T[], max: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += max) out.push(list.slice(i, i + max))
  return out
}
