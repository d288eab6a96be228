/**
 * Delivery of documents by id: load each document as it is now, map it, and make Supabase match —
 * upsert its row, or delete the row when the document is gone (deleted, trashed, unpublished, filtered
 * out). Calls made in the same tick (the jobs of one queue run) are delivered together: one load, one
 * delete request, upserts in batches of `batchSize`; each caller still gets its own outcome or error.
 */
import DataLoader from 'dataloader'
import type { Logger } from 'pino'
import type { Payload, Where } from 'payload'
import { SyncError, TargetError } from '../errors.js'
import type { Doc, Row } from '../mapping/types.js'
import { mapDocument } from '../mapping/validate.js'
import type { UpsertOutcome } from '../target/supabase.js'
import { sameValue } from './diff.js'
import { recordEvent } from '../ops/audit.js'
import type { SyncedCollection, SyncRuntime } from './runtime.js'

export interface DeliveryKey {
  collection: string
  id: string
}

export interface DeliveryResult {
  collection: string
  id: string
  op: 'upsert' | 'delete'
  /** `stale`: Supabase already held a newer version of the row; nothing was written. */
  outcome: 'written' | 'stale' | 'deleted'
  ms: number
}

/**
 * How every sync path reads documents (delivery, reconcile, validate). Read as delivery must see
 * them: `draft: false` reads Payload's main document — after a draft save or autosave of a published
 * document that is still the published version, `_status: 'published'`; a document that was never
 * published, or was unpublished, comes back with `_status: 'draft'` — and trashed documents
 * (`deletedAt` set) are left out by `find` itself (`trash: false`). A mapper with `locale: 'all'` gets
 * every locale (`title: { en, de }`); otherwise the default locale.
 */
export function documentReadOptions(collection: SyncedCollection) {
  return {
    depth: 0,
    overrideAccess: true,
    draft: false,
    trash: false,
    ...(collection.mapper.locale === 'all' ? { locale: 'all' as const } : {}),
  }
}

/** The documents of `ids` that belong in Supabase now (see belongsInSupabase), read as above. */
export async function loadDocuments(
  payload: Payload,
  collection: SyncedCollection,
  ids: readonly string[],
  pageSize: number,
): Promise<Map<string, Doc>> {
  const docs = new Map<string, Doc>()
  for (let i = 0; i < ids.length; i += pageSize) {
    const slice = ids.slice(i, i + pageSize)
    const where: Where = { id: { in: slice } }
    const found = await payload.find({
      collection: collection.slug,
      where,
      limit: slice.length,
      pagination: false,
      ...documentReadOptions(collection),
    })
    for (const doc of found.docs as Doc[]) if (belongsInSupabase(collection, doc)) docs.set(String(doc.id), doc)
  }
  return docs
}

/**
 * Upserts rows through the stale-write guard, then settles what the guard refused. A refused row is
 * either really stale (the document changed since it was read: its own newer delivery is queued) or
 * Supabase holds a version that looks newer but is not the document's current state — Payload's
 * `updatedAt` is taken when a save starts, not when it commits, so two concurrent saves can commit in
 * the other order; a row edited in Supabase directly looks the same. Payload wins: when the document
 * is unchanged since it was read, its row is written without the guard and the conflict is logged.
 */
export async function upsertGuarded(runtime: SyncRuntime, collection: SyncedCollection, rows: Row[]): Promise<UpsertOutcome> {
  const { target, options, payload, logger } = runtime
  const outcome = await target.upsert(collection.spec, rows, options.batchSize)
  const version = collection.spec.versionColumn
  if (!version || outcome.stale.length === 0) return outcome
  const sent = new Map(rows.map((row) => [String(row[collection.spec.primaryKey]), row]))
  const current = await loadDocuments(payload, collection, outcome.stale, options.batchSize)
  const force: Row[] = []
  const stillStale: string[] = []
  for (const id of outcome.stale) {
    const doc = current.get(id)
    const row = doc ? mapDocument(collection.slug, collection.mapper, doc) : null
    if (row && !(row instanceof Error) && sameValue(row[version], sent.get(id)?.[version])) force.push(row)
    else stillStale.push(id)
  }
  if (force.length) {
    const forced = await target.upsert({ ...collection.spec, versionColumn: false }, force, options.batchSize)
    for (const id of forced.written) {
      logger.warn({ collection: collection.slug, id, op: 'upsert', outcome: 'conflict' }, `${collection.slug} ${id}: Supabase held a row newer than the document's updatedAt; Payload wins, row replaced`)
    }
    if (forced.written.length) {
      await recordEvent(runtime, {
        action: 'conflict',
        collectionSlug: collection.slug,
        outcome: 'ok',
        summary: `Supabase held ${forced.written.length} row(s) newer than the document's updatedAt; Payload won, rows replaced`,
        ids: forced.written,
        actor: { source: 'queue' },
      })
    }
    outcome.written.push(...forced.written)
    for (const [id, error] of forced.failed) outcome.failed.set(id, error)
    outcome.requests += forced.requests
  }
  outcome.stale = stillStale
  return outcome
}

/**
 * Published, for a collection with drafts. `_status` is `'published'` or `'draft'` (a document created
 * without `draft: true` and without `_status` gets the field's default, `'draft'`). With Payload's
 * experimental per-locale status, read with `locale: 'all'` it is an object: published in any locale.
 */
export function isPublished(doc: Doc | undefined | null): boolean {
  const status = doc?._status
  if (status !== null && typeof status === 'object') return Object.values(status).includes('published')
  return status === 'published'
}

/**
 * What Payload decides about a document: drafts that were never published (or were unpublished) and
 * trashed documents stay out of Supabase. `shouldSync` is the collection's own decision and part of
 * its mapper (see `withShouldSync`): a document it refuses maps to null, like a mapper's own null.
 */
export function belongsInSupabase(collection: SyncedCollection, doc: Doc): boolean {
  if (doc.deletedAt !== undefined && doc.deletedAt !== null) return false
  if (collection.drafts && !isPublished(doc)) return false
  return true
}

/** The one log line per delivered document: `{ collection, id, op, outcome, attempts, ms, job }`. */
export function logDelivered(logger: Logger, result: DeliveryResult, attempts: number, ms: number, job: string | number): void {
  const { collection, id, op, outcome } = result
  logger.info({ collection, id, op, outcome, attempts, ms: Math.round(ms), job }, `${collection} ${id}: ${op} ${outcome}`)
}

export class Deliverer {
  private readonly loader: DataLoader<DeliveryKey, DeliveryResult>
  /** Failures of deliveries the runner has just made, to hand to the jobs that book them (see prime). */
  private readonly primed = new Map<string, SyncError>()

  constructor(private readonly runtime: SyncRuntime) {
    this.loader = new DataLoader<DeliveryKey, DeliveryResult>((keys) => this.deliverMany(keys), {
      cache: false,
      // After every job of the run has called in (their setup is microtasks only), not a request later.
      batchScheduleFn: (callback) => setImmediate(callback),
      maxBatchSize: 10_000,
    })
  }

  /** Delivers one document; batched with the other calls of the same tick. Rejects with a SyncError. */
  deliver(key: DeliveryKey): Promise<DeliveryResult> {
    const primed = this.primed.get(`${key.collection}:${key.id}`)
    if (primed) {
      this.primed.delete(`${key.collection}:${key.id}`)
      return Promise.reject(primed)
    }
    return this.loader.load(key)
  }

  /**
   * The next `deliver` of each of these documents rejects with its error instead of trying again: the
   * runner delivered them a moment ago and lets Payload's runner book the failures (retry, backoff,
   * cancel) through the task, without a second attempt. Until `unprime`.
   */
  prime(errors: ReadonlyMap<string, SyncError>): void {
    for (const [key, error] of errors) this.primed.set(key, error)
  }

  unprime(keys: Iterable<string>): void {
    for (const key of keys) this.primed.delete(key)
  }

  /** Delivers many documents at once; one outcome (or error) per key, in order. */
  async deliverMany(keys: readonly DeliveryKey[]): Promise<Array<DeliveryResult | SyncError>> {
    const results = new Map<string, DeliveryResult | SyncError>()
    const byCollection = new Map<string, Set<string>>()
    for (const { collection, id } of keys) {
      if (!byCollection.has(collection)) byCollection.set(collection, new Set())
      byCollection.get(collection)!.add(id)
    }
    for (const [slug, idSet] of byCollection) {
      const ids = [...idSet]
      const collection = this.runtime.collections.get(slug)
      if (!collection) {
        for (const id of ids)
          results.set(`${slug}:${id}`, new SyncError(`${slug} ${id}: collection is not synced`, { collection: slug, id, operation: 'load' }))
        continue
      }
      const outcomes = await this.deliverCollection(collection, ids)
      for (const [id, outcome] of outcomes) results.set(`${slug}:${id}`, outcome)
    }
    return keys.map(({ collection, id }) => results.get(`${collection}:${id}`)!)
  }

  private async deliverCollection(collection: SyncedCollection, ids: string[]): Promise<Map<string, DeliveryResult | SyncError>> {
    const { payload, target, options } = this.runtime
    const started = performance.now()
    const outcomes = new Map<string, DeliveryResult | SyncError>()
    const spec = collection.spec

    let docs: Map<string, Doc>
    try {
      docs = await loadDocuments(payload, collection, ids, options.batchSize)
    } catch (cause) {
      // Payload's own database failing is worth another try later.
      for (const id of ids)
        outcomes.set(id, new SyncError(`${collection.slug} ${id}: loading the document failed: ${String(cause)}`, { collection: collection.slug, id, operation: 'load', transient: true, cause }))
      return outcomes
    }

    const rows: Row[] = []
    const deletes: string[] = []
    for (const id of ids) {
      const doc = docs.get(id)
      const row = doc ? mapDocument(collection.slug, collection.mapper, doc) : null
      if (row instanceof SyncError) outcomes.set(id, row)
      else if (row === null) deletes.push(id)
      else rows.push(row)
    }

    // Deletes first: a slug freed by a deleted dealer must be free before another dealer takes it.
    if (deletes.length) {
      try {
        await target.delete(spec, deletes, options.batchSize)
        for (const id of deletes) outcomes.set(id, this.result(collection, id, 'delete', 'deleted', started))
      } catch (error) {
        for (const id of deletes) outcomes.set(id, this.asError(collection, id, 'delete', error))
      }
    }
    if (rows.length) {
      const outcome = await upsertGuarded(this.runtime, collection, rows)
      for (const id of outcome.written) outcomes.set(id, this.result(collection, id, 'upsert', 'written', started))
      for (const id of outcome.stale) outcomes.set(id, this.result(collection, id, 'upsert', 'stale', started))
      for (const [id, error] of outcome.failed) outcomes.set(id, error)
    }
    return outcomes
  }

  private result(collection: SyncedCollection, id: string, op: DeliveryResult['op'], outcome: DeliveryResult['outcome'], started: number): DeliveryResult {
    return { collection: collection.slug, id, op, outcome, ms: Math.round(performance.now() - started) }
  }

  private asError(collection: SyncedCollection, id: string, operation: 'delete' | 'upsert', error: unknown): SyncError {
    if (error instanceof SyncError && error.id === id) return error
    if (error instanceof TargetError) {
      return new TargetError(`${collection.slug} ${id}: ${error.message}`, {
        collection: collection.slug,
        id,
        operation,
        status: error.status,
        code: error.code,
        transient: error.transient,
        cause: error,
      })
    }
    return new TargetError(`${collection.slug} ${id}: ${operation} failed: ${String(error)}`, { collection: collection.slug, id, operation, status: 0, transient: true, cause: error })
  }
}
