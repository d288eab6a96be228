/**
 * Ids in a PostgREST `in.(…)` filter, built here rather than by postgrest-js's `.in()`: that quotes a
 * value only for `,` `(` `)` and escapes neither `"` nor `\`, so PostgREST reads a text id holding one
 * of them (or a leading space) as another id, or as two — a read by id misses the row, a plain delete
 * removes another document's. And the ids of one request are bounded by the length of its URL, not
 * only by their number: past about 8 KB a gateway answers 414 with no code, for every retry.
 */

/** Characters that PostgREST's list grammar (pListElement) would take for syntax in a bare value. */
const needsQuotes = /[,()"\\]|^\s|\s$|^$/

/** One element of an `in.(…)` list: bare when PostgREST reads it back unchanged, else quoted and escaped. */
export function listElement(id: string): string {
  return needsQuotes.test(id) ? `"${id.replace(/[\\"]/g, '\\$&')}"` : id
}

/** The value of an `in` filter: `(a,b,"c,d")`. */
export function inList(ids: readonly string[]): string {
  return `(${ids.map(listElement).join(',')})`
}

/** Ids that go into a URL as they are (uuids, numbers, most slugs): what form encoding keeps (not `~`). */
const urlSafe = /^[A-Za-z0-9_.*-]*$/

/** Characters of an element once in the query string (form encoding, as URLSearchParams writes it). */
function encodedLength(element: string): number {
  if (urlSafe.test(element)) return element.length
  return new URLSearchParams({ v: element }).toString().length - 2
}

/**
 * The encoded characters an id list may take in one URL: the rest of a request (path, select, the
 * column name) fits in what an 8 KB request line leaves.
 */
export const listBudget = 6_000

/** `ids` in runs of at most `maxIds`, each run's `in.(…)` list at most `budget` characters encoded. */
export function idChunks(ids: readonly string[], maxIds: number, budget = listBudget): string[][] {
  const chunks: string[][] = []
  let current: string[] = []
  // `in.(` and `)`, encoded.
  let length = 8
  for (const id of ids) {
    // The element and its separator (`,` is `%2C`).
    const cost = encodedLength(listElement(id)) + 3
    if (current.length && (current.length >= maxIds || length + cost > budget)) {
      chunks.push(current)
      current = []
      length = 8
    }
    current.push(id)
    length += cost
  }
  if (current.length) chunks.push(current)
  return chunks
}
