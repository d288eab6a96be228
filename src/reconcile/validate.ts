/**
 * `validate`: the drift report, read-only. Walks both sides page by page like the reconcile and
 * compares; then reads the differing documents and rows once more, so that a delivery that was under
 * way while the scan passed is not reported as drift.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import { CancelledError, MappingError } from '../errors.js'
import { countDocuments, expectedRows } from '../documents.js'
import type { Row } from '../mapping/types.js'
import type { PayloadDatabase } from '../queue/database.js'
import type { SupabaseTarget } from '../supabase/target.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import { changedFields, type RowDiff } from './diff.js'
import type { FailedDocument } from './reconcile.js'
import { ProgressMeter, type ProgressListener } from './progress.js'
import {
  documentPages,
  idsOrderAlike,
  pageRowsOrdered,
  tailOrphans,
  withoutDocuments,
} from './scan.js'

export interface ValidateDeps {
  payload: Payload
  db: PayloadDatabase
  target: SupabaseTarget
  logger: Logger
}

export interface ValidateSummary {
  collection: string
  table: string
  scanned: number
  rows: number
  diff: RowDiff
  /** Documents that cannot become a row (mapping errors), with the field at fault. */
  failed: FailedDocument[]
  ms: number
}

interface Compared {
  diff: RowDiff
  failed: FailedDocument[]
}

/**
 * Compares documents with rows; `ids` are the documents concerned, `rows` theirs (a page's read keeps
 * the ids of the range's other rows apart: scan.ts `pageRowsOrdered`).
 */
function compare(
  collection: SyncedCollection,
  ids: readonly string[],
  expected: Map<string, Row | null | MappingError>,
  rows: Map<string, Row>,
  into: Compared,
): void {
  const ignore = bookkeepingColumns(collection)
  for (const id of ids) {
    const want = expected.get(id) ?? null
    const have = rows.get(id)
    if (want instanceof MappingError)
      into.failed.push({ id, message: want.message, field: want.field })
    else if (want === null) {
      if (have) into.diff.extra.push(id)
    } else if (!have) into.diff.missing.push(id)
    else {
      const fields = changedFields(
        want,
        have,
        Object.keys(want).filter((c) => !ignore.includes(c)),
      )
      if (fields.length) into.diff.changed.push({ id, fields })
      else into.diff.unchanged++
    }
  }
}

export interface ValidateOptions {
  ids?: readonly string[]
  onProgress?: ProgressListener
  /** Stops the run between pages; it then throws a CancelledError. */
  signal?: AbortSignal
}

export async function validate(
  deps: ValidateDeps,
  collection: SyncedCollection,
  opts: ValidateOptions = {},
): Promise<ValidateSummary> {
  const { payload, target } = deps
  const started = performance.now()
  const scoped = opts.ids !== undefined
  const found: Compared = {
    diff: { missing: [], extra: [], changed: [], unchanged: 0 },
    failed: [],
  }
  const alike = idsOrderAlike(deps.db, collection)
  const total = scoped ? opts.ids!.length : await countDocuments(payload, collection)
  let scanned = 0
  let rowsRead = 0
  let after: string | undefined
  const meter = new ProgressMeter(total, opts.onProgress)
  const differences = () =>
    found.diff.missing.length +
    found.diff.extra.length +
    found.diff.changed.length +
    found.failed.length
  for await (const page of documentPages(deps.db, payload, collection, opts.ids)) {
    if (opts.signal?.aborted)
      throw new CancelledError('validate', collection.slug, meter.snapshot())
    const before = differences()
    const [expected, rows] = await Promise.all([
      expectedRows(
        payload,
        collection,
        page.upTo === undefined
          ? { ids: page.ids }
          : { range: { after: page.after, upTo: page.upTo, ids: page.ids } },
      ),
      pageRowsOrdered(target, collection, page, scoped, alike),
    ])
    compare(collection, page.ids, expected, rows.rows, found)
    for (const id of await withoutDocuments(deps.db, payload, collection, rows.outside))
      found.diff.extra.push(id)
    const read = page.ids.filter((id) => expected.has(id)).length
    scanned += read
    rowsRead += rows.inRange
    after = page.upTo ?? after
    meter.add({ documents: read, rows: rows.inRange, differences: differences() - before })
  }
  // Also after the last page: the tail and the second look can take long on a large table.
  const stopIfCancelled = () => {
    if (opts.signal?.aborted)
      throw new CancelledError('validate', collection.slug, meter.snapshot())
  }
  stopIfCancelled()
  if (!scoped) {
    const tail = await tailOrphans(deps.db, payload, target, collection, after, opts.signal)
    rowsRead += tail.rows
    for (const id of tail.ids) found.diff.extra.push(id)
  }
  stopIfCancelled()

  // Once more for what differs: deliveries under way during the scan have landed by now.
  const suspects = [
    ...new Set([
      ...found.diff.missing,
      ...found.diff.changed.map((c) => c.id),
      ...found.diff.extra,
    ]),
  ]
  const result: Compared = {
    diff: { missing: [], extra: [], changed: [], unchanged: found.diff.unchanged },
    failed: found.failed,
  }
  for (let i = 0; i < suspects.length; i += 1000) {
    stopIfCancelled()
    const ids = suspects.slice(i, i + 1000)
    const [expected, rows] = await Promise.all([
      expectedRows(payload, collection, { ids }),
      target.rowsByIds(collection.spec, ids),
    ])
    compare(collection, ids, expected, rows, result)
  }
  return {
    collection: collection.slug,
    table: collection.spec.table,
    scanned,
    rows: rowsRead,
    diff: result.diff,
    failed: result.failed,
    ms: Math.round(performance.now() - started),
  }
}
