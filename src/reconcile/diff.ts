/**
 * Pure comparison of the rows Payload would write with the rows Supabase holds. No I/O: the reconcile
 * and the validate operation feed it pages from both sides.
 */
import type { Row } from '../mapping/types.js'

export interface RowChange {
  id: string
  /** Column names; `column.key` for a key inside a JSON object column. */
  fields: string[]
}

/**
 * Ids a summary lists per kind of difference. A first sync of a million documents finds a million
 * missing: what is kept (the last reconcile) and recorded (Sync events) must not hold them all.
 */
export const listedIds = 1000

export interface RowDiff {
  /** In Payload, not in Supabase. */
  missing: string[]
  /** In Supabase, not in Payload (orphans). */
  extra: string[]
  changed: RowChange[]
  unchanged: number
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Equality as the data means it, not as it is spelled: object key order does not matter (jsonb
 * reorders keys), and two timestamps are equal when they name the same instant (`…Z` from Payload,
 * `…+00:00` from PostgreSQL). A Date (a rowSchema's `z.date()`) is what it is sent as: its ISO string.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Date) a = a.toJSON()
  if (b instanceof Date) b = b.toJSON()
  if (a === undefined) a = null
  if (b === undefined) b = null
  if (a === null || b === null) return a === b
  if (typeof a === 'string' && typeof b === 'string') {
    if (isoTimestamp.test(a) && isoTimestamp.test(b)) return Date.parse(a) === Date.parse(b)
    return false
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const key of keys) if (!sameValue(a[key], b[key])) return false
    return true
  }
  return false
}

/** The value of a field as `changedFields` names it: a column, or `column.key` inside an object column. */
export function fieldValue(row: Row | null | undefined, field: string): unknown {
  if (!row) return undefined
  const [column, key] = field.split('.')
  const value = row[column]
  return key === undefined ? value : (value as Record<string, unknown> | null | undefined)?.[key]
}

/** The columns (and keys of object columns) where a Supabase row differs from the expected one. */
export function changedFields(
  expected: Row,
  actual: Row,
  columns: readonly string[] = Object.keys(expected),
): string[] {
  const fields: string[] = []
  for (const column of columns) {
    const want = expected[column]
    const have = actual[column]
    if (sameValue(want, have)) continue
    if (isPlainObject(want) && isPlainObject(have)) {
      const keys = new Set([...Object.keys(want), ...Object.keys(have)])
      for (const key of keys) if (!sameValue(want[key], have[key])) fields.push(`${column}.${key}`)
    } else {
      fields.push(column)
    }
  }
  return fields
}

/** The fields of a row that is added or removed as a whole: one array, shared by every such outcome. */
const wholeRow: readonly string[] = Object.freeze(['(row)'])
/** What `rewrite` writes of a row Supabase holds as it is: written all the same, but no difference. */
export const sameRow = '(same)'
const rewrittenSame: readonly string[] = Object.freeze([sameRow])

/**
 * What a compare-mode delivery must change of a document's row: nothing (an empty list), the whole
 * row (added, removed, or `rewrite`: written even when equal), or the fields that differ. `row`: what
 * the document maps to (null: no row belongs in Supabase); `have`: Supabase's row, if it has one.
 */
export function fieldsToWrite(
  row: Row | null,
  have: Row | undefined,
  ignore: readonly string[],
  rewrite = false,
): readonly string[] {
  if (row === null) return have ? wholeRow : []
  if (!have) return wholeRow
  const changed = changedFields(
    row,
    have,
    Object.keys(row).filter((c) => !ignore.includes(c)),
  )
  return rewrite && changed.length === 0 ? rewrittenSame : changed
}

/**
 * Compares two sets of rows keyed by id. `expected` is Payload's side. `ignore`: columns that are
 * bookkeeping, not content (the version column: a pull-back leaves it behind on purpose).
 */
export function diffRows(
  expected: ReadonlyMap<string, Row>,
  actual: ReadonlyMap<string, Row>,
  ignore: readonly string[] = [],
): RowDiff {
  const diff: RowDiff = { missing: [], extra: [], changed: [], unchanged: 0 }
  for (const [id, row] of expected) {
    const have = actual.get(id)
    if (!have) {
      diff.missing.push(id)
      continue
    }
    const fields = changedFields(
      row,
      have,
      ignore.length ? Object.keys(row).filter((c) => !ignore.includes(c)) : undefined,
    )
    if (fields.length) diff.changed.push({ id, fields })
    else diff.unchanged++
  }
  for (const id of actual.keys()) if (!expected.has(id)) diff.extra.push(id)
  return diff
}

/**
 * The mass-delete guard: deleting `toDelete` rows of a table of `tableRows` is allowed while it stays
 * within the fraction. An empty Payload database pointed at a full Supabase table is the case it stops.
 */
export function deleteAllowed(toDelete: number, tableRows: number, maxFraction: number): boolean {
  return toDelete === 0 || toDelete <= tableRows * maxFraction
}
