/**
 * Whether a save must queue a delivery. Queuing is always safe (the job reads the document when it
 * runs); not queuing needs proof that Supabase will hold this save's row anyway:
 *
 * 1. The save changes the row compared with the save's own previous read: queue, no question.
 * 2. Otherwise the previous read may be stale (Payload writes back the whole document it read when the
 *    save started, so a concurrent save in between can be undone). So the document is read as delivery
 *    will read it — inside this transaction, in the mapper's locale, the main document of a collection
 *    with drafts — and compared with the fingerprint of what Supabase was last sent. Equal, and no job
 *    of the document is pending (a pending delivery could read an older state before this one
 *    commits): nothing to send. Saves of one document are serialised by its row lock, so no other
 *    save commits between this check and this commit.
 *
 * Draft saves, autosaves, saves in another locale and saves of unsynced fields thus send nothing,
 * and a save that reverts a concurrent synced change sends the reverted row.
 */
import type { PayloadRequest } from 'payload'
import { expectedRow, loadDocuments } from '../documents.js'
import { MappingError } from '../errors.js'
import { fingerprint, noRow } from '../mapping/fingerprint.js'
import type { Doc, Row } from '../mapping/types.js'
import type { JobStore } from '../queue/jobs.js'
import { documentKey } from '../queue/keys.js'
import type { StateStore } from '../queue/state.js'
import { sameValue } from '../reconcile/diff.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'

export interface DecideDeps {
  jobs: JobStore
  state: StateStore
}

function rowOf(collection: SyncedCollection, doc: Doc | undefined): Row | null | MappingError {
  return expectedRow(collection, doc)
}

/** The save's document is the one delivery reads: no drafts, and the save is in the mapper's locale. */
function savedIsDelivered(collection: SyncedCollection, req: PayloadRequest): boolean {
  if (collection.drafts) return false
  const localization = req.payload.config.localization
  if (!localization || !req.locale) return true
  return collection.mapper.locale === 'all'
    ? req.locale === 'all'
    : req.locale === localization.defaultLocale
}

export async function mustQueue(
  collection: SyncedCollection,
  deps: DecideDeps | undefined,
  doc: Doc,
  previousDoc: Doc | undefined,
  operation: 'create' | 'update',
  req: PayloadRequest,
): Promise<boolean> {
  const plain = savedIsDelivered(collection, req)
  if (plain && operation === 'create') return true
  if (plain && previousDoc?.id !== undefined) {
    const next = rowOf(collection, doc)
    const prev = rowOf(collection, previousDoc)
    if (next instanceof MappingError || prev instanceof MappingError) return true
    const ignore = bookkeepingColumns(collection)
    const strip = (row: Row | null) =>
      row === null
        ? null
        : Object.fromEntries(Object.entries(row).filter(([k]) => !ignore.includes(k)))
    if (!sameValue(strip(next), strip(prev))) return true
  }
  if (!deps) return true
  const id = String(doc.id)
  const key = documentKey(collection.slug, id)
  if (await deps.jobs.hasJobInRequest(req, key)) return true
  const current = (await loadDocuments(req.payload, collection, [id], { req })).get(id)
  const row = rowOf(collection, current)
  if (row instanceof MappingError) return true
  if (operation === 'create' && row === null) {
    // A new document that does not belong in Supabase (a draft): known to have no row, with this save.
    await deps.state.recordInRequest(req, key, noRow)
    return false
  }
  const last = await deps.state.inRequest(req, key)
  // Never delivered by this version of the plugin: it may have a row of any kind.
  if (last === undefined) return true
  return last !== (row === null ? noRow : fingerprint(row, bookkeepingColumns(collection)))
}
