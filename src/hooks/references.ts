/**
 * beforeDelete / afterDelete of a collection that a synced collection's fields point to (an author of
 * posts, a media document of dealers). Deleting such a document changes the synced documents that
 * point to it with no hook of theirs: PostgreSQL clears the reference (`on delete set null`, or the
 * `_rels` row goes). So before the delete, inside its transaction, the synced documents that point to
 * it are found; after it, each gets a job — which reads them with the reference gone. Found before and
 * queued after: without a transaction a job queued before the delete could be delivered before it.
 */
import type {
  CollectionAfterDeleteHook,
  CollectionBeforeDeleteHook,
  Payload,
  PayloadRequest,
  Where,
} from 'payload'
import { copyInTransaction } from '../request-copy.js'
import type { SyncedCollection } from '../synced.js'
import type { ReferencePath } from './reference-paths.js'
import { queueSync, syncSkipped, type HookRuntime } from './sync-hooks.js'

/** A synced collection whose fields at `paths` point to the hooked collection. */
export interface Referrer {
  collection: SyncedCollection
  paths: ReferencePath[]
}

type Found = Array<{ collection: string; id: string }>

/** Per request (a bulk delete shares one across its documents), by deleted id: what points to it. */
const pending = new WeakMap<PayloadRequest, Map<string, Found>>()

async function pointingTo(req: PayloadRequest, referrer: Referrer, id: unknown): Promise<Found> {
  const { collection, paths } = referrer
  const where: Where = {
    or: paths.map((p) => ({ [p.polymorphic ? `${p.path}.value` : p.path]: { equals: id } })),
  }
  // A copy: the Local API writes the locale it is given into the `req` it gets.
  const inTransaction = await copyInTransaction(req)
  const { docs } = await req.payload.find({
    collection: collection.slug,
    where,
    depth: 0,
    pagination: false,
    overrideAccess: true,
    draft: false,
    select: {},
    // A localized field points to it in any locale.
    ...(req.payload.config.localization ? { locale: 'all' as const } : {}),
    req: inTransaction,
  })
  return docs.map((doc) => ({ collection: collection.slug, id: String(doc.id) }))
}

export function referencedDeleteHooks(
  referrers: readonly Referrer[],
  queue: string,
  runtime: (payload: Payload) => HookRuntime | undefined,
): { beforeDelete: CollectionBeforeDeleteHook; afterDelete: CollectionAfterDeleteHook } {
  return {
    beforeDelete: async ({ id, req, context }) => {
      if (syncSkipped(context)) return
      const found: Found = []
      for (const referrer of referrers) found.push(...(await pointingTo(req, referrer, id)))
      if (!found.length) return
      const byId = pending.get(req) ?? new Map<string, Found>()
      byId.set(String(id), found)
      pending.set(req, byId)
    },
    afterDelete: async ({ id, doc, req, context }) => {
      const found = pending.get(req)?.get(String(id))
      pending.get(req)?.delete(String(id))
      if (!found || syncSkipped(context)) return doc
      for (const input of found) await queueSync(req, input, queue, runtime(req.payload))
      return doc
    },
  }
}
