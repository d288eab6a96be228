/**
 * afterChange / afterDelete of a synced collection. They run inside the save's transaction, before
 * commit, so they never write to Supabase: they queue a job with `req`, which commits or rolls back
 * with the change. A failure to queue fails the save loudly; nothing is swallowed.
 */
import type {
  CollectionAfterChangeHook,
  CollectionAfterDeleteHook,
  Payload,
  PayloadRequest,
  RequestContext,
} from 'payload'
import type { Logger } from 'pino'
import { fingerprint } from '../mapping/fingerprint.js'
import type { Doc } from '../mapping/types.js'
import { documentKey, syncTaskSlug, type SyncJobInput } from '../queue/keys.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import { mustQueue, type DecideDeps } from './decide.js'
import { expectationFor } from './expect-version.js'
import { heldAsPulled } from './pulled-row.js'

/** What the hooks need of the running plugin; undefined before it started (an app's own onInit). */
export interface HookRuntime extends DecideDeps {
  logger: Logger
  /** The runner to notify when the save commits (absent in command mode). */
  afterCommit?: (transactionID: number | string | undefined) => void
}

/** `context: { supabaseSync: false }` (or `skipSupabaseSync: true`) on a Local API call skips its sync. */
export function syncSkipped(context: RequestContext | undefined): boolean {
  return Boolean(context && (context.supabaseSync === false || context.skipSupabaseSync === true))
}

/** Queues the sync job of one document inside the save's transaction (`req`). */
export async function queueSync(
  req: PayloadRequest,
  input: SyncJobInput,
  queue: string,
  runtime: HookRuntime | undefined,
): Promise<void> {
  await req.payload.jobs.queue({ task: syncTaskSlug, input, queue, req } as never)
  // A job of this document that a dead runner left processing would hold this one back in
  // Payload's runner for ever (serverless hosts): released with the save.
  await runtime?.jobs
    .releaseStaleInRequest(req, documentKey(input.collection, input.id))
    .catch((err: unknown) =>
      // The sync task and startup release them too: not a reason to fail the editor's save.
      runtime.logger.debug({ err }, 'supabase-sync: releasing a stale job with the save failed'),
    )
  // The transaction id may still be the promise of one being opened.
  const transactionID =
    req.transactionID instanceof Promise ? await req.transactionID : req.transactionID
  runtime?.afterCommit?.(transactionID)
}

export function afterChangeHook(
  collection: SyncedCollection,
  queue: string,
  runtime: (payload: Payload) => HookRuntime | undefined,
): CollectionAfterChangeHook {
  return async ({ doc, previousDoc, operation, req, context }) => {
    if (syncSkipped(context)) return doc
    const current = runtime(req.payload)
    let queueIt = true
    const pulled = expectationFor(context, collection.slug, String(doc.id))
    // A pull's save is delivered unless the document maps to exactly the row the pull read (then
    // Supabase holds it: a delivery would only write over a newer edit there). Payload may not hold
    // what was pulled (the mapper maps a value back to the same row): that row is written back.
    if (pulled)
      try {
        queueIt = !(
          pulled.row &&
          current &&
          (await heldAsPulled(collection, current, String(doc.id), pulled.row, req))
        )
      } catch (error) {
        current?.logger.debug(
          { err: error, collection: collection.slug, id: String(doc.id) },
          `${collection.slug} ${String(doc.id)}: pulled-row check failed; queuing the sync`,
        )
      }
    else
      try {
        queueIt = await mustQueue(
          collection,
          current,
          doc as Doc,
          previousDoc as Doc | undefined,
          operation,
          req,
        )
      } catch (error) {
        // Never fail the editor's save over an optimisation: the job finds out what the row should be.
        current?.logger.debug(
          { err: error, collection: collection.slug, id: String(doc.id) },
          `${collection.slug} ${String(doc.id)}: change check failed; queuing the sync`,
        )
      }
    if (queueIt)
      await queueSync(
        req,
        {
          collection: collection.slug,
          id: String(doc.id),
          // Its delivery tells an edit made in Supabase after the pull read the row by this.
          ...(pulled?.row
            ? { pulled: fingerprint(pulled.row, bookkeepingColumns(collection)) }
            : {}),
        },
        queue,
        current,
      )
    return doc
  }
}

/**
 * A delete always queues: the job finds the document gone and deletes its row, a no-op when the row
 * is already gone (a document deleted for good from the trash, a draft never published).
 */
export function afterDeleteHook(
  collection: SyncedCollection,
  queue: string,
  runtime: (payload: Payload) => HookRuntime | undefined,
): CollectionAfterDeleteHook {
  return async ({ id, doc, req, context }) => {
    if (syncSkipped(context)) return doc
    await queueSync(
      req,
      { collection: collection.slug, id: String(id ?? doc?.id) },
      queue,
      runtime(req.payload),
    )
    return doc
  }
}
