/**
 * A short, stable digest of a row as Supabase holds it: what the plugin last delivered for a document,
 * kept per document so that a save can be compared with what Supabase was sent rather than with the
 * save's own (possibly stale) previous read. Pure.
 */
import * as crypto from 'node:crypto'
import type { Row } from './types.js'

/** The fingerprint of "no row": the document is not in Supabase (deleted, draft, filtered out). */
export const noRow = '-'

const isoTimestamp = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/

/**
 * One spelling per value, as `sameValue` (reconcile/diff.ts) compares them: object keys sorted (jsonb
 * reorders them), timestamps as the instant they name (`…Z` from Payload, `…+00:00` from PostgreSQL),
 * undefined as null, a Date as the ISO string it is sent as. A reconcile fingerprints every row it
 * delivers, so this builds the canonical copy in one walk, without copying the row first or deleting
 * from it (both slow V8 down).
 */
function canonical(value: unknown, skip?: ReadonlySet<string>): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') {
    // Most strings are not timestamps: the regex only for those that could be one ("2026-…").
    if (value.length < 16 || value.charCodeAt(4) !== 45 || !isoTimestamp.test(value)) return value
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? value : `@${ms}`
  }
  if (typeof value !== 'object') return value
  // As JSON.stringify sends it (an ISO string), not as an object without keys: every date alike.
  if (value instanceof Date) return canonical(value.toJSON())
  if (Array.isArray(value)) return value.map((item) => canonical(item))
  const out: Record<string, unknown> = {}
  for (const key of sortedKeys(value as Record<string, unknown>)) {
    if (skip?.has(key)) continue
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined && v !== null) out[key] = canonical(v)
  }
  return out
}

/**
 * An object's keys in `sort()` order (UTF-16 code units). Rows have a few keys per object, and
 * `Array.prototype.sort` allocates a work array per call: an insertion sort in place allocates nothing.
 */
function sortedKeys(value: Record<string, unknown>): string[] {
  const keys = Object.keys(value)
  if (keys.length > 32) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]
    let j = i - 1
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j]
      j--
    }
    keys[j + 1] = key
  }
  return keys
}

/** One-shot hashing where Node has it (20.12+): a reconcile hashes thousands of rows. */
const sha256 =
  typeof crypto.hash === 'function'
    ? (text: string) => crypto.hash('sha256', text, 'base64url')
    : (text: string) => crypto.createHash('sha256').update(text).digest('base64url')

/** The fingerprint of a row (null: no row), leaving out bookkeeping columns such as the version. */
export function fingerprint(row: Row | null, ignore: readonly string[] = []): string {
  if (row === null) return noRow
  return sha256(JSON.stringify(canonical(row, new Set(ignore)))).slice(0, 27)
}
