/**
 * A save that must not overwrite a concurrent edit (the `pull` operation): it names the document and
 * the `updatedAt` it read, and this hook locks the document's row inside the save's transaction and
 * compares. Another save committed in between: this one fails and changes nothing.
 *
 * The expectation is checked once, for that document only. `context` is the request's, and a hook of
 * the app's that saves again with `req` (the same document, stamped after each save, or another one)
 * passes it on: checked there, the pull's own first write — or the other document's updatedAt — was
 * taken for a concurrent edit, and every pull of such a collection failed.
 */
import type { CollectionBeforeChangeHook, Payload, RequestContext } from 'payload'
import { SyncError } from '../errors.js'
import { literal, type PayloadDatabase } from '../queue/database.js'

/** `context[expectUpdatedAt]`: an `ExpectedVersion`. */
export const expectUpdatedAt = 'supabaseSyncExpectUpdatedAt'

export interface ExpectedVersion {
  /** The document the pull saves. */
  id: string
  /** Its updatedAt as the pull read it. */
  updatedAt: string
  /** Set by the check: the nested saves that follow in the request are the pull's own. */
  checked?: boolean
}

/** The expectation of a pull's save of this document, if the request carries one. */
export function expectedVersion(
  context: RequestContext | undefined,
  id: unknown,
): ExpectedVersion | undefined {
  const value = context?.[expectUpdatedAt] as Partial<ExpectedVersion> | undefined
  if (!value || typeof value !== 'object' || typeof value.updatedAt !== 'string') return undefined
  return value.id === String(id) ? (value as ExpectedVersion) : undefined
}

export function expectVersionHook(
  slug: string,
  /** The database of the plugin running in that Payload (undefined before it started). */
  db: (payload: Payload) => PayloadDatabase | undefined,
): CollectionBeforeChangeHook {
  return async ({ data, context, originalDoc, operation, req }) => {
    const id = String((originalDoc as { id?: unknown } | undefined)?.id)
    const expected = expectedVersion(context, id)
    const database = db(req.payload)
    if (operation !== 'update' || !expected || expected.checked || !originalDoc || !database)
      return data
    // Before the check: a failed one fails the whole save, and the request with it.
    expected.checked = true
    const table = database.table(slug)
    const rows = await database.inRequest<{ updated_at: string | null }>(
      req,
      `select ${table.column('updatedAt')}::text as updated_at from ${table.name} where ${table.column('id')}::text = ${literal(id)} for update`,
    )
    const current = rows[0]?.updated_at
    // A draft saved since the caller read the document: Payload builds this update on that draft,
    // and the caller's `_status: 'published'` would publish the editor's unfinished work.
    if ((originalDoc as { _status?: unknown })._status === 'draft') {
      throw new SyncError(
        `${slug} ${id}: a draft was saved in Payload since it was read; nothing written (publish or discard it first)`,
        { collection: slug, id, operation: 'pull', kind: 'conflict' },
      )
    }
    if (!current || Date.parse(current) !== Date.parse(expected.updatedAt)) {
      throw new SyncError(
        `${slug} ${id}: changed in Payload since it was read (updatedAt ${current ?? 'gone'}, expected ${expected.updatedAt}); nothing written`,
        {
          collection: slug,
          id,
          operation: 'pull',
          kind: 'conflict',
        },
      )
    }
    return data
  }
}
