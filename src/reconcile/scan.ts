/**
 * Walking a collection and its table side by side, in key order, a page at a time (keyset paging on
 * both sides: saves during the scan shift nothing). Each page is a run of document ids and the key
 * range it covers, (after, last]; Supabase's rows in that range are that page's rows, and the rows
 * past the last page are rows without documents. Memory holds a page, never the table.
 */
import type { Payload } from 'payload'
import { documentIds, existingIds, textIds } from '../document-ids.js'
import type { Row } from '../mapping/types.js'
import type { PayloadDatabase } from '../queue/database.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'

export interface ScanPage {
  ids: string[]
  /** The key range of this page: (after, upTo]; upTo undefined for the rows past the last document. */
  after?: string
  upTo?: string
}

/** Pages of document ids: every document of the collection, or only `ids` (sorted, in slices). */
export async function* documentPages(
  db: PayloadDatabase,
  payload: Payload,
  collection: SyncedCollection,
  ids?: readonly string[],
): AsyncGenerator<ScanPage> {
  const { pageSize } = collection
  if (ids) {
    const sorted = [...new Set(ids)].sort()
    for (let i = 0; i < sorted.length; i += pageSize) yield { ids: sorted.slice(i, i + pageSize) }
    return
  }
  let after: string | undefined
  for (;;) {
    const page = await documentIds(db, payload, collection, after, pageSize)
    if (!page.length) break
    yield { ids: page, after, upTo: page[page.length - 1] }
    if (page.length < pageSize) break
    after = page[page.length - 1]
  }
}

/**
 * Supabase's rows of a page's documents: by range for a full scan, by id for a scoped one. Of the
 * other rows in the range only the ids are kept (`outside`): a range may hold any number of rows
 * without documents (the first page's has no lower bound), and a page must not hold them whole.
 */
async function pageRows(
  target: SupabaseTarget,
  collection: SyncedCollection,
  page: ScanPage,
  scoped: boolean,
): Promise<{ rows: Map<string, Row>; outside: string[] }> {
  if (scoped) return { rows: await target.rowsByIds(collection.spec, page.ids), outside: [] }
  const inPage = new Set(page.ids)
  const rows = new Map<string, Row>()
  const outside: string[] = []
  for await (const part of target.rows(collection.spec, { after: page.after, upTo: page.upTo })) {
    for (const row of part) {
      const id = String(row[collection.spec.primaryKey])
      if (inPage.has(id)) rows.set(id, row)
      else outside.push(id)
    }
  }
  return { rows, outside }
}

/**
 * Supabase's rows past the last document that have no document (with text ids in another collation,
 * rows of documents can lie there too), a part at a time, and how many rows were read: what is kept
 * grows with the rows without documents, not with the table.
 */
export async function tailOrphans(
  db: PayloadDatabase,
  payload: Payload,
  target: SupabaseTarget,
  collection: SyncedCollection,
  after: string | undefined,
  /** Stops reading (what was read comes back): the caller sees its signal and stops too. */
  signal?: AbortSignal,
): Promise<{ ids: string[]; rows: number }> {
  const ids: string[] = []
  let rows = 0
  for await (const part of target.rows(collection.spec, { after })) {
    if (signal?.aborted) break
    rows += part.length
    const candidates = part.map((row) => String(row[collection.spec.primaryKey]))
    ids.push(...(await withoutDocuments(db, payload, collection, candidates)))
  }
  return { ids, rows }
}

/**
 * Whether Supabase cuts a page's key range as Payload's database does: uuids and numbers compare
 * alike in both. Text compares by collation, and the two databases may use different ones (C, en-US):
 * then a document's row can lie in another page's range, and the ranges of pages can overlap.
 */
export function idsOrderAlike(db: PayloadDatabase, collection: SyncedCollection): boolean {
  return !textIds(db.table(collection.slug))
}

/**
 * Supabase's rows of a page's documents: by its range, and — when the two databases may order ids
 * differently — by id for those of its documents the range did not hold (missing rows, or rows the
 * other order put elsewhere). `outside`: the ids of the range's other rows (candidates for rows
 * without documents); `inRange`: how many rows the range held.
 */
export async function pageRowsOrdered(
  target: SupabaseTarget,
  collection: SyncedCollection,
  page: ScanPage,
  scoped: boolean,
  alike: boolean,
): Promise<{ rows: Map<string, Row>; outside: string[]; inRange: number }> {
  const { rows, outside } = await pageRows(target, collection, page, scoped)
  const inRange = rows.size + outside.length
  if (!alike && !scoped) {
    const absent = page.ids.filter((id) => !rows.has(id))
    if (absent.length)
      for (const [id, row] of await target.rowsByIds(collection.spec, absent)) rows.set(id, row)
  }
  return { rows, outside, inRange }
}

/**
 * Of the ids of rows found outside their page (candidates for rows without documents), those that
 * really have no document, once each: with ids that the two databases order differently, a row may
 * lie in another page's range, or in two. Asked a page at a time, so that rows of documents are not
 * kept to the end of a scan.
 */
export async function withoutDocuments(
  db: PayloadDatabase,
  payload: Payload,
  collection: SyncedCollection,
  candidates: readonly string[],
): Promise<string[]> {
  if (!candidates.length) return []
  const unique = [...new Set(candidates)]
  const existing = await existingIds(db, payload, collection, unique)
  return unique.filter((id) => !existing.has(id))
}
