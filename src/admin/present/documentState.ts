/**
 * A document's state for the sidebar box and the list pill (In sync, Pending, Failed, Differs, Not in
 * Supabase, …) as a label, a pill colour and a detail, and a failure's cause in one line. Pure.
 */
import type { DocumentStatus } from '../../ops/compare.js'
import { formatAge } from '../health.js'

export type StateKey =
  | 'in-sync'
  | 'pending'
  | 'failed'
  | 'differs'
  | 'not-in-supabase'
  | 'missing'
  | 'extra'
  | 'unmappable'
  | 'not-readable'

/** Payload's Pill styles used here. */
export type StatePill = 'success' | 'warning' | 'error' | 'light-gray'

export interface StateView {
  key: StateKey
  /**
   * In sync, Pending, Failed, Differs, Not in Supabase, Extra in Supabase, Cannot be mapped, Not
   * readable.
   */
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

/**
 * A failure's cause in one line: the message, with the HTTP status and the code when known. A job's
 * error is read from the database as stored: Payload's jobs.cancel() leaves `{ cancelled: true }`
 * without a message, and another writer may leave anything, so nothing in it is taken for granted.
 */
export function describeFailure(failure: {
  message?: unknown
  cancelled?: unknown
  status?: unknown
  code?: unknown
  field?: unknown
}): string {
  const message =
    typeof failure.message === 'string' && failure.message.trim()
      ? failure.message
      : failure.cancelled === true
        ? 'cancelled'
        : 'unknown error'
  const first = message.split(' — ')[0].trim()
  const extra = [
    typeof failure.status === 'number' && failure.status ? `HTTP ${failure.status}` : undefined,
    typeof failure.code === 'string' && failure.code ? `code ${failure.code}` : undefined,
    typeof failure.field === 'string' && failure.field ? `field ${failure.field}` : undefined,
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
    case 'not-readable':
      // The endpoint told nothing else: the collection's read access keeps the document from this user.
      return {
        key: 'not-readable',
        label: 'Not readable',
        pill: 'light-gray',
        detail: 'your read access to this collection does not include this document',
      }
  }
}
