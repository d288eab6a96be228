/**
 * The side-by-side table's lines (Field, Payload, Supabase) from a documents-endpoint answer: nested
 * `api_config` keys as their own lines, JSON pretty-printed with stable key order, long values folded,
 * read-only columns with the reason they cannot be pulled. Pure: the server and the browser use it.
 */
import type { FieldDifference } from '../../ops/compare.js'

/** A value as the table shows it: the whole text, and a folded preview when it is long. */
export interface ShownValue {
  /** The whole value as text (JSON pretty-printed). */
  text: string
  /** What is shown while folded (the whole text when not folded). */
  preview: string
  folded: boolean
  /**
   * How the value is written: JSON (objects, arrays), text, a number or boolean, null, absent, or
   * hidden (made from a field the user may not read: the endpoint told no value).
   */
  kind: 'json' | 'text' | 'scalar' | 'null' | 'absent' | 'hidden'
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
  /**
   * Offered **Use Supabase value**: not read-only, and its value shown — a user may not take into
   * Payload a value the console keeps from them (a field they may not read).
   */
  pullable: boolean
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

/** What either side shows of a column made from a field the user may not read. */
export const hiddenFieldText = 'hidden: your read access does not include this field'
const hiddenValue: ShownValue = {
  text: hiddenFieldText,
  preview: hiddenFieldText,
  folded: false,
  kind: 'hidden',
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
      payload: f.hidden ? hiddenValue : showValue(f.payload, options.fold),
      supabase: f.hidden ? hiddenValue : showValue(f.supabase, options.fold),
      readOnly: f.readOnly,
      ...(f.readOnly ? { readOnlyReason: readOnlyReason(column, options.primaryKey) } : {}),
      pullable: !f.readOnly && !f.hidden,
    }
  })
}
