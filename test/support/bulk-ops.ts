/**
 * The convergence test's bulk operations (test/convergence.property.test.ts): `payload.update` /
 * `payload.delete` with `where: { id: { in } }`, as the admin's list view runs "Edit many" and
 * "Delete" — from this process's Local API or the child's (test/support/child-app.ts).
 *
 * Payload runs their documents in one transaction and answers with the documents each failed on
 * rather than throwing; what a document's failure did is Payload's to commit or roll back, and the
 * test compares Supabase with what Payload committed. So the operations need only name their
 * documents for the model (touched, deleted, saved under the `'pull'` watch) and hold their errors to
 * what editors meet too (test/support/tolerated.ts).
 */
import type { Payload } from 'payload'
import type { ChildApp } from './children.js'
import type { BulkOp, Synced } from './convergence-ops.js'
import { messageOf, toleratedInBulk } from './tolerated.js'

export interface BulkResult {
  errors: Array<{ id?: unknown; message: string }>
}

export interface BulkInstance {
  updateMany(
    collection: string,
    ids: string[],
    data: Record<string, unknown>,
    options?: Record<string, unknown>,
  ): Promise<BulkResult>
  deleteMany(collection: string, ids: string[]): Promise<BulkResult>
}

const errorsOf = (result: { errors?: BulkResult['errors'] }): BulkResult => ({
  errors: (result.errors ?? []).map(({ id, message }) => ({ id, message })),
})

/**
 * `trash: true` on a delete reaches documents in the trash too (a post trashed before is deleted for
 * good); on an update it is what trashing and restoring take.
 */
export const localBulk = (payload: () => Payload): BulkInstance => ({
  updateMany: async (collection, ids, data, options = {}) =>
    errorsOf(
      await payload().update({
        collection: collection as 'dealers',
        where: { id: { in: ids } },
        data,
        ...options,
      }),
    ),
  deleteMany: async (collection, ids) =>
    errorsOf(
      await payload().delete({
        collection: collection as 'dealers',
        where: { id: { in: ids } },
        trash: true,
      }),
    ),
})

export const remoteBulk = (child: () => ChildApp): BulkInstance => ({
  updateMany: async (collection, ids, data, options) =>
    (await child().call('updateMany', { collection, ids, data, options })).result as BulkResult,
  deleteMany: async (collection, ids) =>
    (await child().call('deleteMany', { collection, ids, options: { trash: true } }))
      .result as BulkResult,
})

export interface BulkContext {
  instance: BulkInstance
  /** The documents the other operations pick from: a bulk delete takes its ids out. */
  lists: Record<Synced, string[]>
  touched: Record<Synced, Set<string>> & { pullEdits: { written(id: string): void } }
  /** The operation's number: its values are unique to it. */
  n: number
}

/** For the run's summary: bulk operations run, ids they named, documents they failed on (tolerated). */
export const bulkStats = { ops: 0, ids: 0, failed: 0 }

/** Ids deleted by bulk operations, which later ones may pick (the last few of each collection). */
const gone: Record<Synced, string[]> = { dealers: [], posts: [], codes: [] }

const collectionOf = (op: BulkOp): Synced =>
  op.t === 'bulkDealers' ? 'dealers' : op.t === 'bulkPosts' ? 'posts' : 'codes'

/** The data (and options) of a bulk update, as the single operations of the test change documents. */
function updateOf(op: BulkOp, n: number): [Record<string, unknown>, Record<string, unknown>?] {
  switch (op.change) {
    case 'name':
      return [{ name: `bulk name ${n}` }]
    case 'notes':
      // Unsynced either way: a dealer's `notes`, a post's `editorNotes`.
      return [
        op.t === 'bulkPosts' ? { editorNotes: `bulk notes ${n}` } : { notes: `bulk notes ${n}` },
      ]
    case 'slug':
      return [{ slug: `bulk-${n}-${Date.now()}` }]
    case 'label':
      return [{ label: `bulk code ${n}` }]
    case 'publish':
      return [{ title: `bulk published ${n}`, _status: 'published' }]
    case 'draft':
      return [{ title: `bulk draft ${n}` }, { draft: true }]
    case 'unpublish':
      return [{ _status: 'draft' }]
    case 'de':
      return [{ title: `bulk de ${n}` }, { locale: 'de' }]
    case 'trash':
    case 'restore':
      return [
        { deletedAt: op.change === 'trash' ? new Date().toISOString() : null },
        { trash: true },
      ]
    case 'internal':
    case 'public':
      return [{ audience: op.change }]
    case 'delete':
      throw new Error('a delete is no update')
  }
}

export async function applyBulk(op: BulkOp, context: BulkContext): Promise<void> {
  const collection = collectionOf(op)
  const list = context.lists[collection]
  const pool = [...list, ...gone[collection]]
  if (!pool.length) return
  const ids = [...new Set(op.picks.map((p) => pool[p % pool.length]!))]
  for (const id of ids) {
    context.touched[collection].add(id)
    if (collection === 'dealers') context.touched.pullEdits.written(id)
  }
  const [data, options] = op.change === 'delete' ? [] : updateOf(op, context.n)
  if (op.change === 'delete')
    for (const id of ids) {
      if (list.includes(id)) list.splice(list.indexOf(id), 1)
      gone[collection] = [...gone[collection].filter((g) => g !== id), id].slice(-5)
    }
  const result = await (
    op.change === 'delete'
      ? context.instance.deleteMany(collection, ids)
      : context.instance.updateMany(collection, ids, data!, options)
  ).catch(
    // Payload's bulk delete ends with a statement of its own (the documents' preferences) in the
    // operation's transaction: after a document's statement failed it throws "current transaction
    // is aborted", and the documents' errors are lost. Its update answers with them (checked here).
    (error: unknown): BulkResult => ({ errors: [{ message: messageOf(error) }] }),
  )
  bulkStats.ops++
  bulkStats.ids += ids.length
  bulkStats.failed += result.errors.length
  const unexpected = result.errors.filter((e) => !toleratedInBulk(e.message))
  if (unexpected.length)
    throw new Error(
      `${op.t} ${op.change} of ${ids.join(', ')}: ${JSON.stringify(unexpected.map((e) => ({ ...e, message: e.message.slice(0, 400) })))}`,
    )
}
