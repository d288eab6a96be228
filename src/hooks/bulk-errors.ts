/**
 * afterOperation of a synced collection: the documents a bulk update or delete (`payload.update` /
 * `payload.delete` with `where`, REST `PATCH` / `DELETE /api/<slug>?where=…`) reports as failed get a
 * job too.
 *
 * Payload runs a bulk operation's documents in one transaction (the postgres adapter's default) and
 * catches each document's error without rolling anything back: a document whose hook threw after its
 * write — an afterChange or afterRead hook of the collection, a field's, before the plugin's; an
 * afterDelete before the plugin's — keeps its change when the transaction commits, and its own
 * afterChange / afterDelete never queued. The same holds with `disableTransaction`, where each
 * statement commits on its own. A job is idempotent (it reads the document when it runs), so one for
 * a document that did not change after all (its error came before the write, or its own transaction
 * was rolled back under `bulkOperationsSingleTransaction`) writes what Supabase already holds.
 */
import type { CollectionAfterOperationHook, Payload } from 'payload'
import { sqlStateOf } from '../errors.js'
import type { SyncedCollection } from '../synced.js'
import { queueSync, syncSkipped, type HookRuntime } from './sync-hooks.js'

/** PostgreSQL's "current transaction is aborted": a statement of the operation failed in the database. */
const inFailedTransaction = '25P02'

export function afterBulkOperationHook(
  collection: SyncedCollection,
  queue: string,
  runtime: (payload: Payload) => HookRuntime | undefined,
): CollectionAfterOperationHook {
  return async ({ operation, result, req }) => {
    if (operation !== 'update' && operation !== 'delete') return result
    const failed = (result as { errors?: Array<{ id?: unknown }> } | undefined)?.errors ?? []
    if (!failed.length || syncSkipped(req.context)) return result
    const current = runtime(req.payload)
    try {
      for (const { id } of failed) {
        if (id === undefined || id === null) continue
        await queueSync(req, { collection: collection.slug, id: String(id) }, queue, current)
      }
    } catch (error) {
      // A statement failed in the database before (a unique value): PostgreSQL rolls the whole
      // transaction back at its commit, the documents' changes with it — nothing to deliver, and
      // Payload's answer for the operation stays its own.
      if (sqlStateOf(error) !== inFailedTransaction) throw error
    }
    return result
  }
}
