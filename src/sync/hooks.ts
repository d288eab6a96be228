/**
 * afterChange / afterDelete hooks of a synced collection. They run inside the save's transaction,
 * before commit, so they never write to Supabase: they queue a job with `req`, which commits or rolls
 * back with the change. A failure to queue fails the save loudly; nothing is swallowed.
 *
 * What the Supabase row is: the mapped row of the document as `find({ draft: false })` returns it —
 * Payload's main document, not a draft version — when it is published (collections with drafts), not
 * in the trash, passes `shouldSync` and maps to a row; otherwise no row. The hooks queue a job only
 * when a save can change that, so that draft saves, autosaves and saves of unsynced fields send nothing.
 */
import type { CollectionAfterChangeHook, CollectionAfterDeleteHook, FlattenedField, PayloadRequest, RequestContext } from 'payload'
import type { Doc, Row } from '../mapping/types.js'
import { mapDocument } from '../mapping/validate.js'
import { isPublished } from './deliver.js'
import { sameValue } from './diff.js'
import { findRuntime, type SyncedCollection } from './runtime.js'
import { syncTaskSlug, type SyncJobInput } from './task.js'

/** `context: { supabaseSync: false }` (or `skipSupabaseSync: true`) on a Local API call skips its sync. */
export function syncSkipped(context: RequestContext | undefined): boolean {
  return Boolean(context && (context.supabaseSync === false || context.skipSupabaseSync === true))
}

export async function queueSync(req: PayloadRequest, input: SyncJobInput, queue: string): Promise<void> {
  await req.payload.jobs.queue({ task: syncTaskSlug, input, queue, req } as never)
  const runtime = findRuntime(req.payload)
  // The transaction id may still be the promise of one being opened.
  const transactionID = req.transactionID instanceof Promise ? await req.transactionID : req.transactionID
  runtime?.runner?.afterCommit(transactionID)
}

const sameInstant = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && Date.parse(a) === Date.parse(b)

function withoutKeys(doc: Doc, keys: Iterable<string>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...doc }
  for (const key of keys) delete copy[key]
  return copy
}

/** Both documents map to the same row, apart from the version column. A mapping failure counts as a change. */
function sameMappedRow(collection: SyncedCollection, doc: Doc, previousDoc: Doc): boolean {
  const next = mapDocument(collection.slug, collection.mapper, doc)
  const prev = mapDocument(collection.slug, collection.mapper, previousDoc)
  if (next instanceof Error || prev instanceof Error) return false
  if (next === null || prev === null) return next === prev
  const version = collection.spec.versionColumn
  const strip = (row: Row) => {
    if (!version) return row
    const { [version]: _ignored, ...rest } = row
    return rest
  }
  return sameValue(strip(next), strip(prev))
}

interface LocalizedLayout {
  /** Top-level fields that are localized as a whole. */
  topLevel: Set<string>
  /** Some localized field sits inside a non-localized group, array, block or tab. */
  nested: boolean
}

const layouts = new WeakMap<object, LocalizedLayout>()

function localizedLayout(fields: readonly FlattenedField[]): LocalizedLayout {
  const cached = layouts.get(fields)
  if (cached) return cached
  const layout: LocalizedLayout = { topLevel: new Set(), nested: false }
  const anyLocalized = (list: readonly unknown[] | undefined): boolean =>
    (list ?? []).some((f) => {
      const field = f as { localized?: boolean; fields?: unknown[]; flattenedFields?: unknown[]; blocks?: Array<{ fields?: unknown[]; flattenedFields?: unknown[] }>; blockReferences?: unknown[] }
      if (field.localized) return true
      // Referenced blocks live elsewhere in the config: assume the worst.
      if (field.blockReferences?.length) return true
      return anyLocalized(field.flattenedFields ?? field.fields) || (field.blocks ?? []).some((b) => anyLocalized(b.flattenedFields ?? b.fields))
    })
  for (const field of fields) {
    if ('localized' in field && field.localized) layout.topLevel.add(field.name)
    else if (anyLocalized([{ ...field, localized: false }])) layout.nested = true
  }
  layouts.set(fields, layout)
  return layout
}

/**
 * A save made in one locale, compared for a mapper that reads another locale or all of them. A save
 * in locale X changes only X's values of localized fields and the non-localized fields.
 */
async function sameRowAcrossLocales(collection: SyncedCollection, doc: Doc, previousDoc: Doc, req: PayloadRequest): Promise<boolean> {
  const fields = req.payload.collections[collection.slug]?.config.flattenedFields ?? []
  const layout = localizedLayout(fields)
  if (collection.mapper.locale !== 'all') {
    // The mapper reads the default locale, which a save in another locale cannot change: only the
    // non-localized fields can. (Localized values nested in them compare as changes: on the safe side.)
    return sameValue(withoutKeys(doc, [...layout.topLevel, 'updatedAt']), withoutKeys(previousDoc, [...layout.topLevel, 'updatedAt']))
  }
  // Every locale: nothing changed at all, or the row of every locale before and after is the same.
  if (sameValue(withoutKeys(doc, ['updatedAt']), withoutKeys(previousDoc, ['updatedAt']))) return true
  if (layout.nested || typeof req.locale !== 'string') return false
  const locale = req.locale
  // The document as delivery reads it, in this transaction, and the same with this save undone.
  const after = (await req.payload.findByID({
    collection: collection.slug,
    id: doc.id,
    locale: 'all',
    draft: false,
    trash: true,
    depth: 0,
    overrideAccess: true,
    disableErrors: true,
    req,
  } as never)) as Doc | null
  if (!after) return false
  const before: Doc = { ...after }
  for (const key of new Set([...Object.keys(after), ...Object.keys(previousDoc)])) {
    if (key === 'id') continue
    if (layout.topLevel.has(key)) {
      const values = { ...((after[key] as Record<string, unknown> | null) ?? {}) }
      if (previousDoc[key] === undefined || previousDoc[key] === null) delete values[locale]
      else values[locale] = previousDoc[key]
      before[key] = values
    } else {
      before[key] = previousDoc[key]
    }
  }
  return sameMappedRow(collection, after, before)
}

/**
 * True when the save provably leaves the Supabase row as it is. `doc` and `previousDoc` are what the
 * hook gets: for collections with drafts they are versions (the one saved and the latest before it),
 * which need not be the main document; the callers sort that out first.
 */
async function sameRow(collection: SyncedCollection, doc: Doc, previousDoc: Doc | undefined, req: PayloadRequest): Promise<boolean> {
  if (!previousDoc || previousDoc.id === undefined) return false
  if ((doc._status ?? null) !== (previousDoc._status ?? null)) return false
  if ((doc.deletedAt ?? null) !== (previousDoc.deletedAt ?? null)) return false
  const localization = req.payload.config.localization
  const locale = req.locale
  const inMapperLocale = !localization || !locale || (collection.mapper.locale === 'all' ? locale === 'all' : locale === localization.defaultLocale)
  if (inMapperLocale) return sameMappedRow(collection, doc, previousDoc)
  return sameRowAcrossLocales(collection, doc, previousDoc, req)
}

/**
 * Collections with drafts. Payload's update writes the main document unless it saves a draft: a draft
 * save or autosave only adds (or updates) a version, and the main document stays as it was. The hook's
 * `doc` is then the draft (`_status: 'draft'`), `previousDoc` the latest version before (a draft or
 * the published one). A non-draft save that does not publish (the admin's Unpublish, or any update
 * without `draft: true` and without `_status: 'published'`) writes the main document as a draft —
 * with the content of the latest version, which may be a pending draft.
 *
 * Returns whether the row may change, or undefined when the ordinary comparison decides.
 */
async function draftsDecide(collection: SyncedCollection, doc: Doc, previousDoc: Doc | undefined, operation: string, req: PayloadRequest): Promise<boolean | undefined> {
  if (operation === 'create') return isPublished(doc)
  if (isPublished(doc)) {
    // Published now. When the latest version before was published too, it was the main document and
    // the ordinary comparison applies; after a draft, what was published before is not known here.
    return isPublished(previousDoc) ? undefined : true
  }
  // Not published: a draft save (main document untouched), or the main document written as a draft.
  const main = (await req.payload.db.findOne({
    collection: collection.slug,
    where: { id: { equals: doc.id } },
    select: { _status: true, updatedAt: true },
    req,
  } as never)) as Doc | null
  if (!main) return true
  // A draft or autosave over the published version: Supabase keeps the published version.
  if (isPublished(main)) return false
  // Unpublished now. It was published if the latest version before was the published one...
  if (isPublished(previousDoc)) return true
  // ...or, under a pending draft, if this save wrote the main document (a draft save does not: its
  // version gets a fresh updatedAt, the main document keeps its own). Without timestamps: assume so.
  if (typeof doc.updatedAt !== 'string' || typeof main.updatedAt !== 'string') return true
  return sameInstant(doc.updatedAt, main.updatedAt)
}

/** Whether this save can change the collection's Supabase row; anything unexpected counts as yes. */
export async function mayChangeRow(collection: SyncedCollection, doc: Doc, previousDoc: Doc | undefined, operation: string, req: PayloadRequest): Promise<boolean> {
  try {
    if (collection.drafts) {
      const decided = await draftsDecide(collection, doc, previousDoc, operation, req)
      if (decided !== undefined) return decided
    }
    if (operation !== 'update') return true
    return !(await sameRow(collection, doc, previousDoc, req))
  } catch (error) {
    // Never fail the editor's save over an optimisation: the job finds out what the row should be.
    findRuntime(req.payload)?.logger.debug({ err: error, collection: collection.slug, id: String(doc.id) }, `${collection.slug} ${String(doc.id)}: change check failed; queuing the sync`)
    return true
  }
}

export function afterChangeHook(collection: SyncedCollection, queue: string): CollectionAfterChangeHook {
  return async ({ doc, previousDoc, operation, req, context }) => {
    if (syncSkipped(context)) return doc
    if (!(await mayChangeRow(collection, doc as Doc, previousDoc as Doc | undefined, operation, req))) return doc
    await queueSync(req, { collection: collection.slug, id: String(doc.id) }, queue)
    return doc
  }
}

/**
 * A delete always queues: the job finds the document gone and deletes its row, a no-op when the row
 * is already gone (a document deleted for good from the trash, a draft that was never published).
 */
export function afterDeleteHook(collection: SyncedCollection, queue: string): CollectionAfterDeleteHook {
  return async ({ id, doc, req, context }) => {
    if (syncSkipped(context)) return doc
    await queueSync(req, { collection: collection.slug, id: String(id ?? doc?.id) }, queue)
    return doc
  }
}
