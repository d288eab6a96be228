/**
 * Which documents a user may see the values of. The plugin's `read` right lets a user look at the sync;
 * what a document holds stays behind the collection's own read access, as everywhere else in Payload —
 * in a multi-tenant app (`access.read` returning a `where` by tenant) another tenant's document's
 * fields, title and failure causes are not shown to a user who merely has the plugin's `read`.
 */
import { isDeepStrictEqual } from 'node:util'
import { executeAccess, type Field, type Payload, type PayloadRequest, type Where } from 'payload'
import { expectedRow, loadDocuments, readOptions } from '../documents.js'
import { findRuntime } from '../lifecycle/registry.js'
import type { MappingError } from '../errors.js'
import type { Doc, Row } from '../mapping/types.js'
import type { SyncedCollection } from '../synced.js'

/** What is shown instead of a document's values (a failure's cause, a state) that the user may not read. */
export const notReadableText =
  'not readable: your read access to this collection does not include this document'

/** What is shown instead of a message about a document the user may read, but not every field it is synced from. */
export const fieldsNotReadableText =
  'not readable: your read access to this document does not include every field it is synced from'

/** The ids a request may not read; empty for the Local API and the command (no user: no limit). */
export type Unreadable = ReadonlySet<string>

const none: Unreadable = new Set()
const chunk = 1000

/**
 * The ids among `ids` whose documents exist but which the request's user may not read under the
 * collection's `access.read`. Payload's own evaluation: `executeAccess` decides (true, false, or a
 * `where`), then `find` as the user (`overrideAccess: false`) says which of the documents match. A
 * user with full read access costs no query and sees everything as before. Ids without a document are
 * not in the set: they have no values in Payload to keep from anyone (what a row holds without a
 * document is the operator's view of the table).
 */
export async function unreadableIds(
  payload: Payload,
  collection: string,
  ids: readonly string[],
  req: PayloadRequest | undefined,
): Promise<Unreadable> {
  if (!req?.user || !ids.length) return none
  const config = payload.collections[collection]?.config
  if (!config) return none
  const access: boolean | Where = await executeAccess(
    { req, disableErrors: true },
    config.access.read,
  )
  if (access && typeof access !== 'object') return none
  const hidden = new Set<string>()
  const unique = [...new Set(ids)]
  for (let i = 0; i < unique.length; i += chunk) {
    const slice = unique.slice(i, i + chunk)
    const [existing, readable] = await Promise.all([
      idsFound(payload, collection, slice, { overrideAccess: true }),
      access
        ? idsFound(payload, collection, slice, { overrideAccess: false, user: req.user, req })
        : new Set<string>(),
    ])
    for (const id of existing) if (!readable.has(id)) hidden.add(id)
  }
  return hidden
}

async function idsFound(
  payload: Payload,
  collection: string,
  ids: string[],
  as: { overrideAccess: boolean; user?: PayloadRequest['user']; req?: PayloadRequest },
): Promise<Set<string>> {
  const { docs } = await payload.find({
    collection,
    where: { id: { in: ids } },
    limit: ids.length,
    pagination: false,
    depth: 0,
    // The main document, trashed ones too: what the console and the box speak of.
    draft: false,
    trash: true,
    select: { id: true },
    // Access returning false for this user is an empty answer, not a 403.
    disableErrors: true,
    ...as,
  } as Parameters<Payload['find']>[0])
  return new Set(docs.map((doc) => String(doc.id)))
}

/** Whether any field of these (in groups, rows, tabs, arrays, blocks) has a read access of its own. */
function hasFieldReadAccess(fields: readonly Field[]): boolean {
  return fields.some((field) => {
    const f = field as Field & {
      access?: { read?: unknown }
      fields?: Field[]
      tabs?: Array<{ fields: Field[] }>
      blocks?: Array<{ fields: Field[] }>
      blockReferences?: unknown[]
    }
    if (f.access?.read) return true
    // Blocks defined once in the config (by slug): not followed, taken as possibly limited.
    if (f.blockReferences?.some((b) => typeof b === 'string')) return true
    return (
      (f.fields !== undefined && hasFieldReadAccess(f.fields)) ||
      (f.tabs ?? []).some((tab) => hasFieldReadAccess(tab.fields)) ||
      (f.blocks ?? []).some((block) => hasFieldReadAccess(block.fields))
    )
  })
}

/**
 * The rows the mapper makes of the documents `ids` as the request's user reads them (`docsAsReader`).
 * A compared column whose value in this row is not the one of the full row comes from a field the
 * user may not read (or the mapper cannot make it without one). Undefined when nothing can be hidden:
 * no user (the Local API, the command), or no field of the collection has a read access. An id
 * missing from the map (its document not read) hides every column.
 */
export async function rowsAsReader(
  payload: Payload,
  collection: SyncedCollection,
  ids: readonly string[],
  req: PayloadRequest | undefined,
): Promise<Map<string, Row | null | MappingError> | undefined> {
  if (!req?.user || !ids.length || !hasFieldLimits(payload, collection.slug)) return undefined
  const rows = new Map<string, Row | null | MappingError>()
  for (const [id, doc] of await docsAsReader(payload, collection, ids, req))
    rows.set(id, expectedRow(collection, doc))
  return rows
}

/**
 * Among `ids`, the documents the request's user may read but not every field of that the mapper
 * reads (its `select`, else the whole document): read as the user, a document is not what the full
 * read gives. A message about such a document (a mapper's refusal, PostgreSQL's "Failing row contains
 * (…)") can quote a value of those fields. Empty without a user or without field-level read access;
 * every id when the collection is not synced here (nothing to read it as the mapper does).
 */
export async function partlyReadableIds(
  payload: Payload,
  slug: string,
  ids: readonly string[],
  req: PayloadRequest | undefined,
): Promise<Unreadable> {
  if (!req?.user || !ids.length || !hasFieldLimits(payload, slug)) return none
  const collection = findRuntime(payload)?.collections.get(slug)
  if (!collection) return new Set(ids)
  const unique = [...new Set(ids)]
  const [full, mine] = await Promise.all([
    loadDocuments(payload, collection, unique, { withTrashed: true }),
    docsAsReader(payload, collection, unique, req),
  ])
  const partly = new Set<string>()
  for (const [id, doc] of full) if (!isDeepStrictEqual(doc, mine.get(id))) partly.add(id)
  return partly
}

/** Whether some field of the collection has a read access of its own (else a user reads every field). */
function hasFieldLimits(payload: Payload, slug: string): boolean {
  const config = payload.collections[slug]?.config
  return config !== undefined && hasFieldReadAccess(config.fields)
}

/**
 * The documents `ids` as the request's user reads them: with Payload (`overrideAccess: false`, as
 * the user), whose afterRead drops every field the field's own `access.read` keeps from the user —
 * what Payload's REST API returns that user — in the same locale, select and draft as the full read.
 */
async function docsAsReader(
  payload: Payload,
  collection: SyncedCollection,
  ids: readonly string[],
  req: PayloadRequest,
): Promise<Map<string, Doc>> {
  const { localization } = payload.config
  // The full read's locale (the default one, or every locale), not the request's; Payload's Local API
  // writes it into the request it gets: put the request's own back.
  const locale =
    collection.mapper.locale === 'all'
      ? 'all'
      : localization
        ? localization.defaultLocale
        : undefined
  const { locale: ownLocale, fallbackLocale } = req
  const docs = new Map<string, Doc>()
  try {
    for (let i = 0; i < ids.length; i += chunk) {
      const slice = ids.slice(i, i + chunk)
      const found = await payload.find({
        collection: collection.slug,
        where: { id: { in: slice } },
        limit: slice.length,
        pagination: false,
        ...readOptions(collection),
        trash: true,
        ...(locale ? { locale } : {}),
        overrideAccess: false,
        user: req.user,
        req,
        disableErrors: true,
      } as Parameters<Payload['find']>[0])
      for (const doc of found.docs as Doc[]) docs.set(String(doc.id), doc)
    }
  } finally {
    req.locale = ownLocale
    req.fallbackLocale = fallbackLocale
  }
  return docs
}

/** Id → the text shown instead of messages about that document (failure causes, a mapper's refusal). */
export type HiddenCauses = ReadonlyMap<string, string>

/**
 * The ids among `ids` whose messages the request's user may not see, each with the text shown
 * instead: documents the user may not read, and documents the user may read but not every field
 * the mapper reads. Only the texts go: the ids, field names, codes and statuses stay.
 */
export async function hiddenCauses(
  payload: Payload,
  slug: string,
  ids: readonly string[],
  req: PayloadRequest | undefined,
): Promise<HiddenCauses> {
  const unreadable = await unreadableIds(payload, slug, ids, req)
  const readable = ids.filter((id) => !unreadable.has(id))
  const partly = await partlyReadableIds(payload, slug, readable, req)
  return new Map([
    ...[...unreadable].map((id): [string, string] => [id, notReadableText]),
    ...[...partly].map((id): [string, string] => [id, fieldsNotReadableText]),
  ])
}
