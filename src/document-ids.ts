/**
 * Which documents there are, by id, straight from the collection's table: the scan's pages of ids,
 * and which ids of rows found in Supabase are documents. Only ids are wanted here, and Payload's
 * `find` would build every document; both statements leave trashed documents out, as `find` does.
 */
import type { Payload } from 'payload'
import type { PayloadDatabase, TableRef } from './queue/database.js'
import type { SyncedCollection } from './synced.js'

/**
 * The ids after `after`, in id order, at most `limit` (keyset paging: saves during a scan shift
 * nothing): the documents `find` returns as above — trashed ones left out — straight from the
 * collection's table, because only the ids are wanted here and Payload's find would build every document.
 */
export async function documentIds(
  db: PayloadDatabase,
  payload: Payload,
  collection: SyncedCollection,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  const trash = hasTrash(payload, collection)
  const { text, params } = documentIdsQuery(db.table(collection.slug), { trash, after, limit })
  const { rows } = await db.query<{ key: string }>(text, params)
  return rows.map((row) => row.key)
}

/**
 * The statement of `documentIds`: an index range on the id. Each page is a key range read in key
 * order, so a scan reads each document once, whatever the table size. ("($1 is null or id > $1)" in
 * one statement cannot be an index range: PostgreSQL then scans and sorts the rest of the table for
 * every page — quadratic in the table.)
 */
export function documentIdsQuery(
  table: Pick<TableRef, 'name' | 'column' | 'sqlType'>,
  page: { trash: boolean; after: string | undefined; limit: number },
): { text: string; params: unknown[] } {
  const id = table.column('id')
  const conditions = [
    ...(page.trash ? [`${table.column('deletedAt')} is null`] : []),
    ...(page.after !== undefined ? [`${id} > $2::${table.sqlType('id')}`] : []),
  ]
  return {
    // Ordered by the column, not by the text it is returned as ("order by id" would name the output
    // column): numeric ids in text order would page wrongly (2 after 19) and sort the whole table.
    text: `select ${id}::text as key from ${table.name}${conditions.length ? ` where ${conditions.join(' and ')}` : ''} order by ${table.name}.${id} limit $1`,
    params: page.after !== undefined ? [page.limit, page.after] : [page.limit],
  }
}

/**
 * Which of `ids` are documents as `documentIds` lists them (trashed ones left out): a row whose id is
 * not among them has no document. Rows a scan finds outside their document's page (text ids that
 * Supabase orders by another collation) are told from rows without documents here.
 */
export async function existingIds(
  db: PayloadDatabase,
  payload: Payload,
  collection: SyncedCollection,
  ids: readonly string[],
): Promise<Set<string>> {
  const table = db.table(collection.slug)
  const trash = hasTrash(payload, collection)
  const found = new Set<string>()
  for (let i = 0; i < ids.length; i += 1000) {
    const statement = existingIdsQuery(table, { trash, ids: ids.slice(i, i + 1000) })
    if (!statement) continue
    const { rows } = await db.query<{ key: string }>(statement.text, statement.params)
    for (const row of rows) found.add(row.key)
  }
  return found
}

/**
 * Whether the collection's id is text: text compares by collation, and Payload's database and
 * Supabase's may use different ones; uuids and numbers compare alike everywhere.
 */
export function textIds(table: Pick<TableRef, 'sqlType'>): boolean {
  return /char|text/.test(table.sqlType('id'))
}

/** Whether trashed documents are kept (and left out of what the scans see). */
function hasTrash(payload: Payload, collection: SyncedCollection): boolean {
  return Boolean(payload.collections[collection.slug]?.config.trash)
}

/** What an id of each column type looks like as text: an id of another shape is no document's. */
const idShapes: Array<[RegExp, RegExp, string]> = [
  [/^uuid$/, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'uuid'],
  [/^(smallint|integer|bigint)$/, /^-?[0-9]{1,18}$/, 'bigint'],
  [/^numeric/, /^-?[0-9]+(\.[0-9]+)?$/, 'numeric'],
]

/**
 * The statement of `existingIds`: the ids compared as the column's type, so that its index answers
 * (compared as text every candidate would scan the table). Ids that cannot be of that type (a row
 * holding "gone" in a uuid collection's table) are left out; undefined when none is left.
 */
export function existingIdsQuery(
  table: Pick<TableRef, 'name' | 'column' | 'sqlType'>,
  query: { trash: boolean; ids: readonly string[] },
): { text: string; params: unknown[] } | undefined {
  const id = table.column('id')
  const type = table.sqlType('id')
  const shape = idShapes.find(([column]) => column.test(type))
  const ids = shape ? query.ids.filter((candidate) => shape[1].test(candidate)) : query.ids
  if (!ids.length) return undefined
  const match = shape
    ? `${id} = any($1::${shape[2]}[])`
    : textIds(table)
      ? `${id} = any($1::${type}[])`
      : `${id}::text = any($1::text[])`
  const trash = query.trash ? ` and ${table.column('deletedAt')} is null` : ''
  return {
    text: `select ${id}::text as key from ${table.name} where ${match}${trash}`,
    params: [ids],
  }
}
