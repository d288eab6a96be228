/**
 * The sync state of given documents, field by field: what the console's drift list, its side-by-side
 * table, the document's sidebar box and the list view's pill show. One read of the documents, one
 * request to Supabase for their rows (up to 150 ids), one of the jobs. Asked for a request's user (the
 * endpoint), a document the user may not read under the collection's own read access is only
 * `not-readable`: neither side's values, nor its cause or reason; of a document the user may read, a
 * differing column made from a field the user may not read is `hidden` (`rowsAsReader`), and its
 * mapping error or failure cause, which can quote such a field's value, is replaced.
 */
import type { Payload, PayloadRequest } from 'payload'
import { expectedRow, isPublished, loadDocuments } from '../documents.js'
import { MappingError } from '../errors.js'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import type { Row } from '../mapping/types.js'
import type { JobError } from '../queue/jobs.js'
import { cancelledByJobsApi } from '../queue/cancelled.js'
import { documentKey } from '../queue/keys.js'
import { changedFields, fieldValue, sameValue } from '../reconcile/diff.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import {
  fieldsNotReadableText,
  partlyReadableIds,
  rowsAsReader,
  unreadableIds,
} from './readable.js'

export type DocumentState =
  | 'in-sync'
  | 'differs'
  | 'missing'
  | 'extra'
  | 'not-in-supabase'
  | 'unmappable'
  /** The document exists, but the request's user may not read it: nothing more is told. */
  | 'not-readable'

export interface FieldDifference {
  /** A column, or `column.key` inside an object column. */
  field: string
  /** Absent when `hidden`. */
  payload?: unknown
  /** Absent when `hidden`. */
  supabase?: unknown
  /**
   * Made from a field the request's user may not read (the field's own `access.read`): the mapper
   * makes another value of it from the document as the user reads it. Neither side's value is told.
   */
  hidden?: true
  /** Cannot be pulled into Payload (a column Payload manages, the key, the plugin's version). */
  readOnly: boolean
}

export interface DocumentStatus {
  id: string
  state: DocumentState
  /** Why it is not in Supabase (draft, trashed, filtered out, no document), or why it cannot be mapped. */
  reason?: string
  fields?: FieldDifference[]
  /** A change waits for delivery, since this time (the oldest waiting job). */
  pendingSince?: string
  /** Its delivery failed for good, with the cause. */
  failure?: JobError
}

function notInSupabase(
  collection: SyncedCollection,
  doc: Record<string, unknown> | undefined,
): string {
  if (!doc) return 'no document in Payload'
  if (doc.deletedAt) return 'in the trash'
  if (collection.drafts && !isPublished(doc as never))
    return 'a draft, never published (or unpublished)'
  return collection.shouldSync ? 'kept out by shouldSync or the mapper' : 'the mapper returned null'
}

export async function documentStates(
  payload: Payload,
  options: {
    collection?: string
    ids: string[]
    /** Answer as this request's user: under the collection's read access (none: everything). */
    req?: PayloadRequest
  },
): Promise<DocumentStatus[]> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const ids = [...new Set(options.ids)]
  // First, so that nothing of an unreadable document is read from Supabase for nothing.
  const hidden = await unreadableIds(payload, collection.slug, ids, options.req)
  const shown = ids.filter((id) => !hidden.has(id))
  const [docs, rows, jobs] = await Promise.all([
    loadDocuments(payload, collection, shown, { withTrashed: true }),
    runtime.target.rowsByIds(collection.spec, shown),
    runtime.jobs.forKeys(
      runtime.db,
      shown.map((id) => documentKey(collection.slug, id)),
    ),
  ])
  const ignore = bookkeepingColumns(collection)
  const readOnly = new Set([
    ...(collection.mapper.readOnlyColumns ?? []),
    collection.spec.primaryKey,
    ...ignore,
  ])
  const wanted = new Map<string, Row>()
  const states = ids.map((id): DocumentStatus => {
    if (hidden.has(id)) return { id, state: 'not-readable' }
    // A job cancelled with Payload's jobs API will never run: neither pending nor a failure to show
    // (hasError is set, but nothing failed); what Supabase holds is then told by the comparison. A
    // delivery the task gave up through Payload's runner is booked as cancelled too, and did fail.
    const own = jobs.filter(
      (job) => job.key === documentKey(collection.slug, id) && !cancelledByJobsApi(job.error),
    )
    const failed = own.find((job) => job.hasError)
    const pending = own
      .filter((job) => !job.hasError)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]
    const extra = {
      ...(pending ? { pendingSince: pending.createdAt } : {}),
      ...(failed?.error ? { failure: failed.error } : {}),
    }
    const doc = docs.get(id)
    const row = rows.get(id)
    const want = expectedRow(collection, doc)
    if (want instanceof MappingError)
      return { id, state: 'unmappable', reason: want.message, ...extra }
    if (want === null) {
      const reason = notInSupabase(collection, doc)
      return row
        ? { id, state: 'extra', reason: `${reason}, but Supabase has a row`, ...extra }
        : { id, state: 'not-in-supabase', reason, ...extra }
    }
    if (!row) return { id, state: 'missing', ...extra }
    const fields = changedFields(
      want,
      row,
      Object.keys(want).filter((c) => !ignore.includes(c)),
    )
    if (!fields.length) return { id, state: 'in-sync', ...extra }
    wanted.set(id, want)
    return {
      id,
      state: 'differs',
      fields: fields.map((field) => ({
        field,
        payload: fieldValue(want, field),
        supabase: fieldValue(row, field),
        readOnly: readOnly.has(field.split('.')[0]),
      })),
      ...extra,
    }
  })
  const shownFields = await hideUnreadFields(payload, collection, states, wanted, options.req)
  return hideCauses(payload, collection, shownFields, options.req)
}

/**
 * A mapper's refusal (`unmappable`'s reason) and a failed delivery's cause can quote a value: of a
 * document the user may read but not every field the mapper reads, their texts are replaced (its
 * field, code and status stay). The others' reasons are the plugin's own words, without values.
 */
async function hideCauses(
  payload: Payload,
  collection: SyncedCollection,
  states: DocumentStatus[],
  req: PayloadRequest | undefined,
): Promise<DocumentStatus[]> {
  const quoting = states.filter((s) => s.state === 'unmappable' || s.failure?.message)
  const partly = await partlyReadableIds(
    payload,
    collection.slug,
    quoting.map((s) => s.id),
    req,
  )
  if (!partly.size) return states
  return states.map((status) =>
    partly.has(status.id)
      ? {
          ...status,
          ...(status.state === 'unmappable' ? { reason: fieldsNotReadableText } : {}),
          ...(status.failure?.message
            ? { failure: { ...status.failure, message: fieldsNotReadableText } }
            : {}),
        }
      : status,
  )
}

/**
 * The differing columns of the readable documents that come from fields the request's user may not
 * read, told by name only: the mapper's row of the document as the user reads it does not have the
 * value of the full one there (or there is no such row). Everyone else's answer is left as it is.
 */
async function hideUnreadFields(
  payload: Payload,
  collection: SyncedCollection,
  states: DocumentStatus[],
  wanted: ReadonlyMap<string, Row>,
  req: PayloadRequest | undefined,
): Promise<DocumentStatus[]> {
  const seen = await rowsAsReader(payload, collection, [...wanted.keys()], req)
  if (!seen) return states
  return states.map((status) => {
    const want = wanted.get(status.id)
    if (!want || !status.fields) return status
    const mine = seen.get(status.id)
    const fields = status.fields.map((f): FieldDifference => {
      const shown =
        mine !== null &&
        mine !== undefined &&
        !(mine instanceof MappingError) &&
        sameValue(fieldValue(mine, f.field), fieldValue(want, f.field))
      return shown ? f : { field: f.field, readOnly: f.readOnly, hidden: true }
    })
    return { ...status, fields }
  })
}
