/**
 * The reconcile: make a table equal what the mapper makes of every document (the startup sync, `sync`,
 * `reset`). It does not write what it read: it walks both sides page by page and hands each page to
 * the one delivery path in compare mode, which locks the page's documents, reads them and their rows
 * again, and writes only what differs. A reconcile therefore never writes a state older than a
 * concurrent delivery's, and never deletes a row whose document exists by then. Rows without documents
 * are collected and deleted at the end, through the same path, behind the mass-delete guard.
 */
import { countDocuments } from '../documents.js'
import { CancelledError, MassDeleteError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { Delivery, DeliveryReport } from '../queue/delivery.js'
import type { PayloadDatabase } from '../queue/database.js'
import type { JobStore } from '../queue/jobs.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import { deleteAllowed, type RowDiff } from './diff.js'
import { ProgressMeter, type ProgressListener } from './progress.js'
import { documentPages, pageRows, tailIds, type ScanPage } from './scan.js'

export interface ReconcileDeps {
  payload: Payload
  db: PayloadDatabase
  target: SupabaseTarget
  delivery: Delivery
  jobs: JobStore
  logger: Logger
  deleteOrphans: boolean
  maxDeleteFraction: number
  /** Told of every finished reconcile (metrics). */
  observe?: (summary: ReconcileSummary) => void
}

export interface ReconcileOptions {
  /** Only these documents (and their rows); all when absent. */
  ids?: readonly string[]
  /** Write every row, also those that are equal (reset). */
  rewrite?: boolean
  /** Delete rows that have no document (default: the plugin's deleteOrphans). */
  deleteOrphans?: boolean
  /** Bypass the mass-delete guard. */
  force?: boolean
  /** Progress after each page. */
  onProgress?: ProgressListener
  /** Stops the run between pages (what was done stays done); it then throws a CancelledError. */
  signal?: AbortSignal
  /** Test hook: a page's rows are held from `start` to `end` (memory stays bounded by pages in flight). */
  onPage?: (event: 'start' | 'end') => void
}

export interface FailedDocument {
  id: string
  message: string
  field?: string
  code?: string
}

export interface ReconcileSummary {
  collection: string
  table: string
  /** Documents read. */
  scanned: number
  /** Supabase rows read. */
  rows: number
  upserted: number
  deleted: number
  unchanged: number
  /** Documents another delivery held: queued, delivered after it. */
  queued: number
  failed: FailedDocument[]
  /** Rows without documents left in place: deleteOrphans off, or the guard refused. */
  orphansKept: number
  guard?: string
  diff: RowDiff
  requests: number
  ms: number
}

/** Pages whose deliveries run at once: reading the next page overlaps writing this one. */
const inFlight = 3

export async function reconcile(
  deps: ReconcileDeps,
  collection: SyncedCollection,
  opts: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const { payload, target, delivery, logger } = deps
  const started = performance.now()
  const requestsBefore = target.requests
  const scoped = opts.ids !== undefined
  const summary: ReconcileSummary = {
    collection: collection.slug,
    table: collection.spec.table,
    scanned: 0,
    rows: 0,
    upserted: 0,
    deleted: 0,
    unchanged: 0,
    queued: 0,
    failed: [],
    orphansKept: 0,
    diff: { missing: [], extra: [], changed: [], unchanged: 0 },
    requests: 0,
    ms: 0,
  }
  const total = scoped ? opts.ids!.length : await countDocuments(payload, collection)
  const extras: string[] = []
  const busy: string[] = []
  const meter = new ProgressMeter(total, opts.onProgress)

  const tally = (report: DeliveryReport, had: Map<string, Row>) => {
    for (const o of report.outcomes.values()) {
      if (o.outcome === 'busy') busy.push(o.id)
      else if (o.outcome === 'unchanged') summary.unchanged++
      else if (o.outcome === 'failed')
        summary.failed.push({
          id: o.id,
          message: o.error?.message ?? 'failed',
          field: o.error?.field,
          code: o.error?.code,
        })
      else if (o.outcome === 'deleted') summary.deleted++
      else summary.upserted++
      if (o.outcome === 'written' || (o.outcome === 'failed' && o.op === 'upsert')) {
        if (had.has(o.id)) summary.diff.changed.push({ id: o.id, fields: o.fields ?? [] })
        else summary.diff.missing.push(o.id)
      }
    }
  }

  const runPage = async (page: ScanPage) => {
    opts.onPage?.('start')
    const had = new Map<string, Row>()
    const report = await delivery.deliver(collection, page.ids, {
      range: page.upTo === undefined ? undefined : { after: page.after, upTo: page.upTo },
      // Read after the page's documents are locked, so that what is compared is what is there.
      compare: async () => {
        const rows = await pageRows(target, collection, page, scoped)
        const inPage = new Set(page.ids)
        for (const [id, row] of rows) {
          had.set(id, row)
          if (!inPage.has(id)) extras.push(id)
        }
        summary.rows += rows.size
        return opts.rewrite ? new Map() : rows
      },
    })
    tally(report, had)
    summary.scanned += page.ids.length
    const differences = [...report.outcomes.values()].filter(
      (o) => o.outcome !== 'unchanged' && o.outcome !== 'busy',
    ).length
    opts.onPage?.('end')
    meter.add({ documents: page.ids.length, rows: had.size, differences })
  }

  const running = new Set<Promise<void>>()
  let after: string | undefined
  for await (const page of documentPages(deps.db, payload, collection, opts.ids)) {
    if (opts.signal?.aborted) {
      await Promise.all(running)
      throw new CancelledError('sync', collection.slug, meter.snapshot())
    }
    const task = runPage(page).finally(() => running.delete(task))
    running.add(task)
    after = page.upTo ?? after
    if (running.size >= inFlight) await Promise.race(running)
  }
  await Promise.all(running)
  if (!scoped) {
    const tail = await tailIds(target, collection, after)
    summary.rows += tail.length
    extras.push(...tail)
  }
  summary.diff.extra = [...extras]

  if (busy.length) {
    // Held when their page came: by a delivery elsewhere, or by one of this run's own pages in flight
    // (lock keys are 32-bit hashes: a hundred thousand documents hold about one colliding pair). Once
    // more, now that this run's pages are done; what is still held gets a job below.
    const again = busy.splice(0)
    const had = new Map<string, Row>()
    const report = await delivery.deliver(collection, again, {
      compare: async (ids) => {
        const rows = await target.rowsByIds(collection.spec, ids)
        for (const [id, row] of rows) had.set(id, row)
        return opts.rewrite ? new Map() : rows
      },
    })
    tally(report, had)
  }
  summary.diff.unchanged = summary.unchanged
  if (extras.length) await deleteOrphans(deps, collection, extras, scoped, opts, summary, busy)
  if (busy.length) {
    // Held by another delivery: it writes what it read; a job makes sure of what came after.
    await deps.db.transaction((sql) =>
      deps.jobs.enqueue(
        sql,
        busy.map((id) => ({ collection: collection.slug, id })),
      ),
    )
    summary.queued = busy.length
  }

  summary.requests = target.requests - requestsBefore
  summary.ms = Math.round(performance.now() - started)
  for (const failure of summary.failed)
    logger.error(
      {
        collection: collection.slug,
        id: failure.id,
        op: 'reconcile',
        outcome: 'failed',
        field: failure.field,
        code: failure.code,
      },
      failure.message,
    )
  logger.info(
    {
      collection: collection.slug,
      op: 'reconcile',
      scanned: summary.scanned,
      upserted: summary.upserted,
      deleted: summary.deleted,
      unchanged: summary.unchanged,
      queued: summary.queued,
      failed: summary.failed.length,
      orphansKept: summary.orphansKept,
      missing: summary.diff.missing.length,
      changed: summary.diff.changed.length,
      extra: summary.diff.extra.length,
      requests: summary.requests,
      ms: summary.ms,
    },
    `${collection.slug}: reconcile done`,
  )
  deps.observe?.(summary)
  return summary
}

/** Rows without documents: deleted through the delivery path (which finds each document still gone), behind the guard. */
async function deleteOrphans(
  deps: ReconcileDeps,
  collection: SyncedCollection,
  extras: string[],
  scoped: boolean,
  opts: ReconcileOptions,
  summary: ReconcileSummary,
  busy: string[],
): Promise<void> {
  if (!(opts.deleteOrphans ?? deps.deleteOrphans)) {
    summary.orphansKept = extras.length
    return
  }
  const tableRows = scoped ? await deps.target.count(collection.spec) : summary.rows
  if (!opts.force && !deleteAllowed(extras.length, tableRows, deps.maxDeleteFraction)) {
    const refusal = new MassDeleteError(
      collection.slug,
      extras.length,
      tableRows,
      deps.maxDeleteFraction,
    )
    summary.guard = refusal.message
    summary.orphansKept = extras.length
    deps.logger.warn(
      { collection: collection.slug, wouldDelete: extras.length, tableRows },
      refusal.message,
    )
    return
  }
  for (let i = 0; i < extras.length; i += 1000) {
    const report = await deps.delivery.deliver(collection, extras.slice(i, i + 1000))
    for (const o of report.outcomes.values()) {
      if (o.outcome === 'deleted') summary.deleted++
      else if (o.outcome === 'written') summary.upserted++
      else if (o.outcome === 'failed') {
        summary.orphansKept++
        summary.failed.push({
          id: o.id,
          message: o.error?.message ?? 'failed',
          code: o.error?.code,
        })
      } else if (o.outcome === 'busy') busy.push(o.id)
    }
  }
}
