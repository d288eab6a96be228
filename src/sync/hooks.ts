/**
 * afterChange / afterDelete hooks of a synced collection. They run inside the save's transaction,
 * before commit, so they never write to Supabase: they queue a job with `req`, which commits or rolls
 * back with the change. A failure to queue fails the save loudly; nothing is swallowed.
 */
import type { CollectionAfterChangeHook, CollectionAfterDeleteHook, PayloadRequest, RequestContext } from 'payload'
import type { Doc } from '../mapping/types.js'
import { mapDocument } from '../mapping/validate.js'
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

/**
 * True when the save cannot change the Supabase row: both versions map to the same row, apart from
 * the version column. A document that fails to map is treated as changed, so its job reports the error.
 */
function sameRow(collection: SyncedCollection, doc: Doc, previousDoc: Doc | undefined): boolean {
  if (!previousDoc || previousDoc.id === undefined) return false
  if ((doc._status ?? null) !== (previousDoc._status ?? null)) return false
  if ((doc.deletedAt ?? null) !== (previousDoc.deletedAt ?? null)) return false
  if (collection.shouldSync && collection.shouldSync(doc) !== collection.shouldSync(previousDoc)) return false
  const next = mapDocument(collection.slug, collection.mapper, doc)
  const prev = mapDocument(collection.slug, collection.mapper, previousDoc)
  if (next instanceof Error || prev instanceof Error) return false
  if (next === null || prev === null) return next === prev
  const version = collection.spec.versionColumn
  const strip = (row: Record<string, unknown>) => {
    if (!version) return row
    const { [version]: _ignored, ...rest } = row
    return rest
  }
  return sameValue(strip(next), strip(prev))
}

export function afterChangeHook(collection: SyncedCollection, queue: string): CollectionAfterChangeHook {
  return async ({ doc, previousDoc, operation, req, context }) => {
    if (syncSkipped(context)) return doc
    // Localized collections map all locales or the default one; a save in another locale may change it.
    const localeScoped = collection.mapper.locale !== 'all' && req.locale && req.payload.config.localization
      ? req.locale !== req.payload.config.localization.defaultLocale
      : false
    if (operation === 'update' && !localeScoped && sameRow(collection, doc as Doc, previousDoc as Doc)) return doc
    await queueSync(req, { collection: collection.slug, id: String(doc.id) }, queue)
    return doc
  }
}

export function afterDeleteHook(collection: SyncedCollection, queue: string): CollectionAfterDeleteHook {
  return async ({ id, doc, req, context }) => {
    if (syncSkipped(context)) return doc
    await queueSync(req, { collection: collection.slug, id: String(id ?? doc?.id) }, queue)
    return doc
  }
}
