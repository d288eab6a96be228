/**
 * Superseding older sync jobs of a document, done at run time instead of with Payload's
 * `concurrency.supersedes`. Payload's supersedes deletes the older pending jobs inside the saving
 * transaction, while its runner claims jobs one row at a time in a transaction of its own: a bulk save
 * (many documents, one transaction) and a claim then lock the same job rows in opposite orders and
 * PostgreSQL aborts one of them with a deadlock — sometimes the editor's save. Here the hook only ever
 * inserts a job (an insert waits on no row), and a delivery removes the jobs it made redundant.
 *
 * Which jobs are redundant: those already committed when the delivery started. Their saves committed
 * with them, so the document the delivery loads afterwards includes their changes. A job committed
 * later is kept and runs.
 */
import DataLoader from 'dataloader'
import type { Payload } from 'payload'
import { syncTaskSlug } from './task-slug.js'

export class Superseder {
  private readonly loader: DataLoader<string, string[]>

  constructor(private readonly payload: Payload) {
    this.loader = new DataLoader<string, string[]>((keys) => this.lookup(keys), {
      cache: false,
      batchScheduleFn: (callback) => setImmediate(callback),
      maxBatchSize: 1_000,
    })
  }

  /** Ids of the committed, pending (not processing) sync jobs of this document, other than `self`. */
  async pendingSiblings(concurrencyKey: string, self: string | number): Promise<string[]> {
    const ids = await this.loader.load(concurrencyKey)
    return ids.filter((id) => id !== String(self))
  }

  private async lookup(keys: readonly string[]): Promise<string[][]> {
    const { docs } = await this.payload.find({
      collection: 'payload-jobs',
      where: {
        and: [
          { taskSlug: { equals: syncTaskSlug } },
          { concurrencyKey: { in: [...keys] } },
          { processing: { equals: false } },
          { completedAt: { exists: false } },
        ],
      } as never,
      pagination: false,
      limit: 0,
      depth: 0,
      overrideAccess: true,
      select: { concurrencyKey: true } as never,
    })
    const byKey = new Map<string, string[]>()
    for (const doc of docs as unknown as { id: string | number; concurrencyKey?: string }[]) {
      const key = String(doc.concurrencyKey)
      if (!byKey.has(key)) byKey.set(key, [])
      byKey.get(key)!.push(String(doc.id))
    }
    return keys.map((key) => byKey.get(key) ?? [])
  }

  /** Deletes the given jobs if they are still pending: their change has been delivered. */
  async drop(ids: string[]): Promise<number> {
    if (!ids.length) return 0
    const result = await this.payload.db.deleteMany({
      collection: 'payload-jobs',
      where: { and: [{ id: { in: ids } }, { processing: { equals: false } }, { completedAt: { exists: false } }] } as never,
    } as never)
    return Array.isArray(result) ? result.length : ids.length
  }
}
