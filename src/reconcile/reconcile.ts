/**
 * The reconcile: make a table equal what the mapper makes of every document (the startup sync, `sync`,
 * `reset`). It does not write what it read: it walks both sides page by page and hands each page to
 * the one delivery path in compare mode, which locks the page's documents, reads them and their rows
 * again, and writes only what differs. A reconcile therefore never writes a state older than a
 * concurrent delivery's, and never deletes a row whose document exists by then. Rows without documents
 * are collected and deleted at the end, through the same path, behind the mass-delete guard.
 */
import { countDocuments } from '../documents.js'
import { CancelledError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { DeliveryReport } from '../queue/delivery.js'
import type { SyncedCollection } from '../synced.js'
import { deleteOrphans } from './orphans.js'
import { ProgressMeter } from './progress.js'
import {
  documentPages,
  idsOrderAlike,
  pageRowsOrdered,
  tailOrphans,
  withoutDocuments,
  type ScanPage,
} from './scan.js'
import { listedIds, sameRow } from './diff.js'
import type { ReconcileDeps, ReconcileOptions, ReconcileSummary } from './types.js'

export type { FailedDocument, ReconcileDeps, ReconcileOptions, ReconcileSummary } from './types.js'

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
    differences: { missing: 0, changed: 0, extra: 0 },
    diff: { missing: [], extra: [], changed: [], unchanged: 0 },
    requests: 0,
    ms: 0,
  }
  const total = scoped ? opts.ids!.length : await countDocuments(payload, collection)
  // Rows without documents (the rows found outside their page, less those whose documents exist:
  // text ids in another collation put rows of documents in other pages' ranges).
  const extras: string[] = []
  const busy: string[] = []
  // Rows deleted by the pages' own deliveries (the first `listedIds`), and how many.
  const pageExtras: string[] = []
  let pageExtraCount = 0
  const alike = idsOrderAlike(deps.db, collection)
  // Rows found by id after their page's range missed them: Supabase orders the ids otherwise.
  let misplaced = 0
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
      // A row this page's delivery deleted: its document maps to no row (a draft, one the mapper
      // leaves out) — a row Supabase should not have had.
      if (o.outcome === 'deleted' && pageExtraCount++ < listedIds) pageExtras.push(o.id)
      // A failed read (of either side) compared nothing: no difference is known. A row a reset
      // rewrote (or failed to) as it was is none either.
      const compared =
        o.fields?.[0] !== sameRow &&
        (o.outcome === 'written' ||
          (o.outcome === 'failed' &&
            o.op === 'upsert' &&
            o.error?.operation !== 'read' &&
            o.error?.operation !== 'load'))
      if (compared) {
        const { diff, differences } = summary
        if (had.has(o.id)) {
          if (differences.changed++ < listedIds)
            diff.changed.push({ id: o.id, fields: o.fields ? [...o.fields] : [] })
        } else if (differences.missing++ < listedIds) diff.missing.push(o.id)
      }
    }
  }

  const runPage = async (page: ScanPage) => {
    opts.onPage?.('start')
    let had = new Map<string, Row>()
    const outside: string[] = []
    let read = false
    const readRows = async () => {
      read = true
      const found = await pageRowsOrdered(target, collection, page, scoped, alike)
      had = found.rows
      for (const id of found.outside) outside.push(id)
      summary.rows += found.inRange
      // Found by id, after the range missed them.
      misplaced += had.size + found.outside.length - found.inRange
      return had
    }
    const report = await delivery.deliver(collection, page.ids, {
      range:
        page.upTo === undefined ? undefined : { after: page.after, upTo: page.upTo, ids: page.ids },
      // Read after the page's documents are locked, so that what is compared is what is there.
      compare: readRows,
      rewrite: opts.rewrite,
    })
    // Every document of the page held elsewhere: nothing was compared, but the rows without
    // documents in its range must still be found (the busy ones are looked at again by id below).
    if (!read && !scoped) await readRows()
    tally(report, had)
    for (const id of await withoutDocuments(deps.db, payload, collection, outside)) extras.push(id)
    summary.scanned += page.ids.length
    const differences = [...report.outcomes.values()].filter(
      (o) => o.outcome !== 'unchanged' && o.outcome !== 'busy',
    ).length
    opts.onPage?.('end')
    meter.add({ documents: page.ids.length, rows: had.size + outside.length, differences })
  }

  const running = new Set<Promise<void>>()
  // A page that fails ends the run only once the others in flight are done: the run's lock is let
  // go when it ends, and what they found held must get its job.
  let failure: { error: unknown } | undefined
  const settle = async () => {
    while (running.size) await Promise.all(running)
    if (failure) {
      await queueHeld(deps, collection, busy).catch(() => {})
      throw failure.error
    }
  }
  // Checked between pages and between the steps after them (the tail, the deletes): a cancel (or a
  // lost operation lock) after the last page went out still stops the run before it deletes.
  const stopIfCancelled = async () => {
    if (!opts.signal?.aborted) return
    await settle()
    // What was held when its page came is not left behind: a job makes sure of it.
    await queueHeld(deps, collection, busy)
    throw new CancelledError('sync', collection.slug, {
      ...meter.snapshot(),
      deleted: summary.deleted,
    })
  }
  let after: string | undefined
  for await (const page of documentPages(deps.db, payload, collection, opts.ids)) {
    await stopIfCancelled()
    if (failure) await settle()
    const task: Promise<void> = runPage(page)
      .catch((error: unknown) => void (failure ??= { error }))
      .finally(() => running.delete(task))
    running.add(task)
    after = page.upTo ?? after
    if (running.size >= inFlight) await Promise.race(running)
  }
  await settle()
  await stopIfCancelled()
  if (!scoped) {
    const tail = await tailOrphans(deps.db, payload, target, collection, after, opts.signal)
    summary.rows += tail.rows
    for (const id of tail.ids) extras.push(id)
  }
  // Overlapping ranges (text ids in another collation) find a row twice. (No spreading into call
  // arguments here: a table may hold hundreds of thousands of rows without documents.)
  if (!alike) {
    const unique = new Set(extras)
    extras.length = 0
    for (const id of unique) extras.push(id)
  }
  await stopIfCancelled()
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
        return rows
      },
      rewrite: opts.rewrite,
    })
    tally(report, had)
  }
  // After the second look at the busy ones: its deletes are differences too.
  summary.differences.extra = pageExtraCount + extras.length
  summary.diff.extra = pageExtras.concat(extras.slice(0, listedIds - pageExtras.length))
  summary.diff.unchanged = summary.unchanged
  if (extras.length)
    await deleteOrphans(
      deps,
      collection,
      extras,
      scoped || !alike,
      opts,
      summary,
      busy,
      stopIfCancelled,
    )
  summary.queued = await queueHeld(deps, collection, busy)

  if (misplaced)
    logger.warn(
      { collection: collection.slug, table: collection.spec.table, misplaced },
      `${collection.slug}: ${misplaced} row(s) lay outside their document's key range in ${collection.spec.table}: Supabase orders these text ids by another collation than Payload's database. Nothing is missed (such rows are read by id), but each costs reads; give both id columns the same collation (e.g. collate "C"; \`npx payload supabase-sync doctor\` prints the SQL)`,
    )
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
      ...summary.differences,
      requests: summary.requests,
      ms: summary.ms,
    },
    `${collection.slug}: reconcile done`,
  )
  deps.observe?.(summary)
  return summary
}

/** Held by another delivery: it writes what it read; a job makes sure of what came after. How many. */
async function queueHeld(
  deps: ReconcileDeps,
  collection: SyncedCollection,
  busy: string[],
): Promise<number> {
  if (!busy.length) return 0
  await deps.db.transaction((sql) =>
    deps.jobs.enqueue(
      sql,
      busy.map((id) => ({ collection: collection.slug, id })),
    ),
  )
  deps.queued?.()
  return busy.length
}
