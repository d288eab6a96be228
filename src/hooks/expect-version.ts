/**
 * A save that must not overwrite a concurrent edit (the `pull` operation): it names the `updatedAt` it
 * read, and this hook locks the document's row inside the save's transaction and compares. Another
 * save committed in between: this one fails and changes nothing.
 */
import type { CollectionBeforeChangeHook, Payload } from 'payload'
import { SyncError } from '../errors.js'
import { literal, type PayloadDatabase } from '../queue/database.js'

/** `context[expectUpdatedAt]`: the document's updatedAt as the caller read it. */
export const expectUpdatedAt = 'supabaseSyncExpectUpdatedAt'

export function expectVersionHook(
  slug: string,
  /** The database of the plugin running in that Payload (undefined before it started). */
  db: (payload: Payload) => PayloadDatabase | undefined,
): CollectionBeforeChangeHook {
  return async ({ data, context, originalDoc, operation, req }) => {
    const expected = context?.[expectUpdatedAt]
    const database = db(req.payload)
    if (operation !== 'update' || typeof expected !== 'string' || !originalDoc || !database)
      return data
    const table = database.table(slug)
    const id = String((originalDoc as { id: unknown }).id)
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
    if (!current || Date.parse(current) !== Date.parse(expected)) {
      throw new SyncError(
        `${slug} ${id}: changed in Payload since it was read (updatedAt ${current ?? 'gone'}, expected ${expected}); nothing written`,
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
