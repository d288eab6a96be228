/**
 * A short, stable digest of a row as Supabase holds it: what the plugin last delivered for a document,
 * kept per document so that a save can be compared with what Supabase was sent rather than with the
 * save's own (possibly stale) previous read. Pure.
 */
import { createHash } from 'node:crypto'
import type { Row } from './types.js'

/** The fingerprint of "no row": the document is not in Supabase (deleted, draft, filtered out). */
export const noRow = '-'

const isoTimestamp = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/

/**
 * One spelling per value, as `sameValue` (reconcile/diff.ts) compares them: object keys sorted (jsonb
 * reorders them), timestamps as the instant they name (`…Z` from Payload, `…+00:00` from PostgreSQL),
 * undefined as null.
 */
function canonical(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' && isoTimestamp.test(value)) {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? value : `@${ms}`
  }
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined && v !== null) out[key] = canonical(v)
    }
    return out
  }
  return value
}

/** The fingerprint of a row (null: no row), leaving out bookkeeping columns such as the version. */
export function fingerprint(row: Row | null, ignore: readonly string[] = []): string {
  if (row === null) return noRow
  const copy: Row = { ...row }
  for (const column of ignore) delete copy[column]
  return createHash('sha256')
    .update(JSON.stringify(canonical(copy)))
    .digest('base64url')
    .slice(0, 27)
}
