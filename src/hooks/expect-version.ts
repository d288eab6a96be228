/**
 * A save that must not overwrite a concurrent edit (the `pull` operation): it names the `updatedAt` it
 * read, and this hook locks the document's row inside the save's transaction and compares. Another
 * save committed in between: this one fails and changes nothing.
 */
import type { CollectionBeforeChangeHook, Payload } from 'payload'
import { SyncError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import { literal, type PayloadDatabase } from '../queue/database.js'

/** `context[expectUpdatedAt]`: the document the caller read, with its updatedAt then (a `PullExpectation`). */
export const expectUpdatedAt = 'supabaseSyncExpectUpdatedAt'

/**
 * Which document the expectation is about. Payload shares one `context` across a request: a hook of
 * the app that saves another document with the save's `req` (a post noting itself on a related one)
 * carries it too, and that save — or a second save of the same document in the transaction — is not
 * the one the caller read.
 */
export interface PullExpectation {
  collection: string
  id: string
  updatedAt: string
  /**
   * The row the pull read from Supabase (under the document's lock): a save that leaves the document
   * mapping to exactly this row needs no delivery (src/hooks/pulled-row.ts).
   */
  row?: Row
  /** The caller's save has been checked: later saves in its transaction are its hooks'. */
  checked?: boolean
}

/** The expectation in `context` when it is about this document, else undefined. */
export function expectationFor(
  context: Record<string, unknown> | undefined,
  collection: string,
  id: string,
): PullExpectation | undefined {
  const expected = context?.[expectUpdatedAt] as Partial<PullExpectation> | undefined
  return expected?.collection === collection &&
    expected.id === id &&
    typeof expected.updatedAt === 'string'
    ? (expected as PullExpectation)
    : undefined
}

export function expectVersionHook(
  slug: string,
  /** The database of the plugin running in that Payload (undefined before it started). */
  db: (payload: Payload) => PayloadDatabase | undefined,
): CollectionBeforeChangeHook {
  return async ({ data, context, originalDoc, operation, req }) => {
    const database = db(req.payload)
    if (operation !== 'update' || !originalDoc || !database) return data
    const id = String((originalDoc as { id: unknown }).id)
    const expectation = expectationFor(context, slug, id)
    if (!expectation || expectation.checked) return data
    const expected = expectation.updatedAt
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
    expectation.checked = true
    return data
  }
}
