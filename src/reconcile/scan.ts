/**
 * Walking a collection and its table side by side, in key order, a page at a time (keyset paging on
 * both sides: saves during the scan shift nothing). Each page is a run of document ids and the key
 * range it covers, (after, last]; Supabase's rows in that range are that page's rows, and the rows
 * past the last page are rows without documents. Memory holds a page, never the table.
 */
import type { Payload } from 'payload'
import { documentIds } from '../documents.js'
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

export const pageSize = 1000

/** Pages of document ids: every document of the collection, or only `ids` (sorted, in slices). */
export async function* documentPages(
  db: PayloadDatabase,
  payload: Payload,
  collection: SyncedCollection,
  ids?: readonly string[],
): AsyncGenerator<ScanPage> {
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

/** Supabase's rows of a page: by range for a full scan, by id for a scoped one. */
export async function pageRows(
  target: SupabaseTarget,
  collection: SyncedCollection,
  page: ScanPage,
  scoped: boolean,
): Promise<Map<string, Row>> {
  if (scoped) return target.rowsByIds(collection.spec, page.ids)
  const rows = new Map<string, Row>()
  for await (const part of target.rows(collection.spec, { after: page.after, upTo: page.upTo })) {
    for (const row of part) rows.set(String(row[collection.spec.primaryKey]), row)
  }
  return rows
}

/** The ids of Supabase's rows past the last document: rows without documents. */
export async function tailIds(
  target: SupabaseTarget,
  collection: SyncedCollection,
  after: string | undefined,
): Promise<string[]> {
  const ids: string[] = []
  for await (const part of target.rows(collection.spec, { after }))
    for (const row of part) ids.push(String(row[collection.spec.primaryKey]))
  return ids
}
