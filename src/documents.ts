/**
 * The one way the plugin reads documents: delivery, the reconcile, validate, pull and the hooks all
 * read a document as delivery must see it, and make its expected row the same way.
 */
import type { Payload, PayloadRequest, SelectType, Where } from 'payload'
import type { MappingError } from './errors.js'
import type { Doc, Row } from './mapping/types.js'
import { mapDocument } from './mapping/validate.js'
import { copyInTransaction } from './request-copy.js'
import type { SyncedCollection } from './synced.js'

/**
 * `draft: false` reads Payload's main document — after a draft save or autosave of a published
 * document that is still the published version; a document never published, or unpublished, comes back
 * with `_status: 'draft'` — and `trash: false` leaves trashed documents out. A mapper with
 * `locale: 'all'` gets every locale (`title: { en, de }`); otherwise the default locale.
 */
export function readOptions(collection: SyncedCollection) {
  return {
    depth: 0,
    overrideAccess: true,
    draft: false,
    trash: false,
    ...(collection.mapper.locale === 'all' ? { locale: 'all' as const } : {}),
    ...(collection.selection.select ? { select: readSelect(collection) } : {}),
  }
}

function readSelect(collection: SyncedCollection): SelectType {
  const { select } = collection.selection
  return (collection.drafts ? { ...select, _status: true } : select) as SelectType
}

/** The documents of these ids as they are now (inside `req`'s transaction when given), by id. */
export async function loadDocuments(
  payload: Payload,
  collection: SyncedCollection,
  ids: readonly string[],
  /** `withTrashed`: trashed documents too (to say why they are not in Supabase); they still map to no row. */
  options: { pageSize?: number; req?: PayloadRequest; withTrashed?: boolean } = {},
): Promise<Map<string, Doc>> {
  const docs = new Map<string, Doc>()
  const pageSize = options.pageSize ?? 1000
  for (let i = 0; i < ids.length; i += pageSize) {
    const slice = ids.slice(i, i + pageSize)
    const where: Where = { id: { in: slice } }
    const found = await payload.find({
      collection: collection.slug,
      where,
      limit: slice.length,
      pagination: false,
      ...readOptions(collection),
      ...(options.withTrashed ? { trash: true } : {}),
      ...(options.req ? await inTransactionOf(payload, collection, options.req) : {}),
    })
    for (const doc of found.docs as Doc[]) docs.set(String(doc.id), doc)
  }
  return docs
}

/**
 * Documents are read a quarter of a scan's page at a time (250 of the default 1,000) and mapped at
 * once. Payload's `find` allocates tens of kilobytes per document (drizzle's rows, the afterRead
 * traversal); in a read of a thousand, the first documents outlive several young-generation
 * collections and are promoted, and V8 lets the old generation grow to several times the app's live
 * heap before it collects. In reads of a few hundred most documents are garbage before they are
 * promoted: only their rows live on. Smaller reads cost more `find`s (100 per read was 12 % slower at
 * 10,000 documents); `npm run bench -- --scale` has the figures.
 */
export function readChunk(collection: SyncedCollection): number {
  return Math.ceil(collection.pageSize / 4)
}

/** A key range of documents, (after, upTo]; `ids`: the ones known in it, in key order (a scan's page). */
export interface KeyRange {
  after?: string
  upTo: string
  ids?: readonly string[]
}

/** Where the documents to read are: these ids, or every document with an id in the range. */
export type DocumentSource = { ids: readonly string[] } | { range: KeyRange }

/**
 * The row Supabase must hold for each document of `source`, by id — read `readChunk` at a time and
 * mapped at once, so that no more than a chunk of documents is ever held. An id without a document
 * has no entry (its row is null); a range read may return ids the caller did not ask for (documents
 * created since), which it leaves alone.
 */
export async function expectedRows(
  payload: Payload,
  collection: SyncedCollection,
  source: DocumentSource,
): Promise<Map<string, Row | null | MappingError>> {
  const rows = new Map<string, Row | null | MappingError>()
  const add = (docs: Doc[]) => {
    for (const doc of docs) rows.set(String(doc.id), expectedRow(collection, doc))
  }
  const chunk = readChunk(collection)
  if ('ids' in source) {
    for (let i = 0; i < source.ids.length; i += chunk) {
      const slice = source.ids.slice(i, i + chunk)
      const found = await payload.find({
        collection: collection.slug,
        where: { id: { in: slice } },
        limit: slice.length,
        pagination: false,
        ...readOptions(collection),
      })
      add(found.docs as Doc[])
    }
    return rows
  }
  // Keyset paging inside the range (a key range reads faster than a list of ids), cut at the page's
  // own ids into parts of `readChunk`: Payload sorts by id and then createdAt, so PostgreSQL reads all
  // of a range before it can stop at the limit — reading the whole page's range for each part would
  // read it two and a half times over. A part may hold documents created since the page was cut: the
  // limit leaves room for some, and a fuller part is read on from its last id.
  const { upTo, ids = [] } = source.range
  const limit = chunk + Math.ceil(chunk / 5)
  let after = source.range.after
  for (const bound of [
    ...ids.filter((_, i) => (i + 1) % chunk === 0 && i + 1 < ids.length),
    upTo,
  ]) {
    for (;;) {
      const and: Where[] = [{ id: { less_than_equal: bound } }]
      if (after !== undefined) and.push({ id: { greater_than: after } })
      const found = await payload.find({
        collection: collection.slug,
        where: { and },
        sort: 'id',
        limit,
        pagination: false,
        ...readOptions(collection),
      })
      const docs = found.docs as Doc[]
      add(docs)
      if (docs.length < limit) break
      after = String(docs[docs.length - 1].id)
    }
    after = bound
  }
  return rows
}

/** Read inside a save's transaction (a copy of its `req`, which keeps its own locale), in the mapper's locale. */
async function inTransactionOf(
  payload: Payload,
  collection: SyncedCollection,
  req: PayloadRequest,
) {
  const locale =
    collection.mapper.locale === 'all'
      ? 'all'
      : payload.config.localization
        ? payload.config.localization.defaultLocale
        : undefined
  return { req: await copyInTransaction(req), ...(locale ? { locale } : {}) }
}

/** How many documents the collection has, as the scans see them (trashed ones left out). */
export async function countDocuments(
  payload: Payload,
  collection: SyncedCollection,
): Promise<number> {
  const { totalDocs } = await payload.count({
    collection: collection.slug,
    overrideAccess: true,
    trash: false,
  } as never)
  return totalDocs
}

/**
 * Published, for a collection with drafts. With Payload's experimental per-locale status, read with
 * `locale: 'all'` it is an object: published in any locale.
 */
export function isPublished(doc: Doc | undefined | null): boolean {
  const status = doc?._status
  if (status !== null && typeof status === 'object')
    return Object.values(status).includes('published')
  return status === 'published'
}

/** Drafts never published (or unpublished) and trashed documents stay out of Supabase. */
export function belongsInSupabase(collection: SyncedCollection, doc: Doc): boolean {
  if (doc.deletedAt !== undefined && doc.deletedAt !== null) return false
  if (collection.drafts && !isPublished(doc)) return false
  return true
}

/**
 * The row Supabase must hold for a document as read above: its mapped row, or null (no row: the
 * document is gone, a draft, trashed, filtered out), or the mapping error that keeps it from having one.
 */
export function expectedRow(
  collection: SyncedCollection,
  doc: Doc | undefined,
): Row | null | MappingError {
  if (!doc || !belongsInSupabase(collection, doc)) return null
  return mapDocument(collection.slug, collection.mapper, doc)
}
