/**
 * Which documents a user may see the values of. The plugin's `read` right lets a user look at the sync;
 * what a document holds stays behind the collection's own read access, as everywhere else in Payload —
 * in a multi-tenant app (`access.read` returning a `where` by tenant) another tenant's document's
 * fields, title and failure causes are not shown to a user who merely has the plugin's `read`.
 */
import { executeAccess, type Payload, type PayloadRequest, type Where } from 'payload'

/** What is shown instead of a document's values (a failure's cause, a state) that the user may not read. */
export const notReadableText =
  'not readable: your read access to this collection does not include this document'

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
