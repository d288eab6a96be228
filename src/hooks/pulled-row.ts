/**
 * Whether a pull's save still needs delivering. The pull read the row Supabase held (under the
 * document's lock) and took it into Payload; when the document, read as delivery reads it inside the
 * save's transaction, maps to exactly that row, Supabase already holds this save's row: the save is
 * recorded as delivered (its fingerprint, committed with the save) and no job is queued.
 *
 * Why not deliver it anyway: the delivery writes the row as Payload holds it — the pulled state — and a
 * second edit made in Supabase after the pull read the row and before that write was overwritten by
 * the first edit's values, its event then taken for the plugin's own write (or the row re-read after
 * the overwrite), and the newest edit in Supabase vanished. Not written, that edit stays in Supabase
 * and is a change of its own for whoever watches (the realtime watch's policy, the scheduled checks),
 * exactly as an edit made just after a delivery is.
 *
 * A save that does not map to that row (a value Payload did not take, the mapper maps back, a hook
 * changed) is delivered as before: Payload's values are written back.
 */
import type { PayloadRequest } from 'payload'
import { expectedRow, loadDocuments } from '../documents.js'
import { MappingError } from '../errors.js'
import { fingerprint } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import { documentKey } from '../queue/keys.js'
import { fieldsToWrite } from '../reconcile/diff.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import type { DecideDeps } from './decide.js'

/** True when the save maps to the row the pull read (now recorded as delivered): nothing to queue. */
export async function heldAsPulled(
  collection: SyncedCollection,
  deps: DecideDeps,
  id: string,
  pulled: Row,
  req: PayloadRequest,
): Promise<boolean> {
  const key = documentKey(collection.slug, id)
  // A job of the document in this transaction (a hook's save of it): it is delivered anyway.
  if (await deps.jobs.hasJobInRequest(req, key)) return false
  const row = expectedRow(
    collection,
    (await loadDocuments(req.payload, collection, [id], { req })).get(id),
  )
  if (row === null || row instanceof MappingError) return false
  const ignore = bookkeepingColumns(collection)
  // The comparison of a compare-mode delivery: the columns the mapper writes, bookkeeping aside.
  if (fieldsToWrite(row, pulled, ignore).length) return false
  await deps.state.recordInRequest(req, key, fingerprint(row, ignore))
  return true
}
