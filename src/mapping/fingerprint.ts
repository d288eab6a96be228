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
 * undefined and null members left out. Written straight to JSON text in one pass: fingerprints are
 * computed for every row a reconcile writes. The text is exactly what the first version produced
 * (`JSON.stringify` of a sorted copy; test/fingerprint.test.ts holds the two side by side), because
 * fingerprints are stored: a different spelling would make every stored one differ after an upgrade.
 */
const arrayIndex = /^(?:0|[1-9]\d*)$/

/**
 * Keys sorted, in the order a JavaScript object built in that order lists them: array-index keys
 * ("0", "10") first, by number, then the others as sorted.
 */
function keyOrder(keys: string[]): string[] {
  keys.sort()
  const isIndex = (k: string) => arrayIndex.test(k) && Number(k) < 4294967295
  if (!keys.some(isIndex)) return keys
  const indices = keys.filter(isIndex).sort((a, b) => Number(a) - Number(b))
  return [...indices, ...keys.filter((k) => !isIndex(k))]
}

function canonicalJson(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'null'
  switch (typeof value) {
    case 'string':
      if (value.length >= 16 && isoTimestamp.test(value)) {
        const ms = Date.parse(value)
        return JSON.stringify(Number.isNaN(ms) ? value : `@${ms}`)
      }
      return JSON.stringify(value)
    case 'number':
    case 'boolean':
    case 'bigint': // throws, as it always did
      return JSON.stringify(value)
    case 'object':
      break
    default:
      // Functions and symbols: JSON leaves them out of objects and writes null in arrays.
      return undefined
  }
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i) out += ','
      out += canonicalJson(value[i]) ?? 'null'
    }
    return `${out}]`
  }
  const record = value as Record<string, unknown>
  let out = '{'
  let first = true
  for (const key of keyOrder(Object.keys(record))) {
    const v = record[key]
    // `__proto__` never survived the copy the first version made (assigning it sets a prototype).
    if (v === undefined || v === null || key === '__proto__') continue
    const text = canonicalJson(v)
    if (text === undefined) continue
    out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`
    first = false
  }
  return `${out}}`
}

/** The fingerprint of a row (null: no row), leaving out bookkeeping columns such as the version. */
export function fingerprint(row: Row | null, ignore: readonly string[] = []): string {
  if (row === null) return noRow
  const copy: Row = { ...row }
  for (const column of ignore) delete copy[column]
  return createHash('sha256').update(canonicalJson(copy)!).digest('base64url').slice(0, 27)
}
