/**
 * One document of a `pull`, under its lock: read as it is now with its row, checked for a newer edit
 * in Payload, written with the columns Payload can take, and checked for what it kept.
 */
import type { Payload, PayloadRequest } from 'payload'
import { expectedRow, loadDocuments } from '../documents.js'
import {
  describeCause,
  MappingError,
  sqlStateOf,
  SyncError,
  TargetError,
  type FailureKind,
} from '../errors.js'
import { expectUpdatedAt, type PullExpectation } from '../hooks/expect-version.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { fingerprint } from '../mapping/fingerprint.js'
import type { Doc, Row } from '../mapping/types.js'
import { documentKey } from '../queue/keys.js'
import { lockDocuments } from '../queue/locks.js'
import { changedFields } from '../reconcile/diff.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'

export type Step =
  | { kind: 'pulled' | 'refused'; fields: string[]; refused: string[] }
  | { kind: 'skipped'; reason: string; busy?: true; outOfSupabase?: true; deleted?: true }
  | { kind: 'none'; refused: string[]; saved?: true }

/** One document, under its lock: no delivery of it runs meanwhile, and its read is the one written against. */
export async function pullOne(
  runtime: SyncRuntime,
  collection: SyncedCollection,
  id: string,
  force: boolean,
  user: PayloadRequest['user'] | undefined,
  only: string[] | undefined,
): Promise<Step> {
  const { payload, db, jobs, state, target } = runtime
  const mapper = collection.mapper
  const key = documentKey(collection.slug, id)
  // It saves through Payload while it holds the document's lock: a reading transaction.
  return db.reading(async (sql): Promise<Step> => {
    const claim = await lockDocuments(sql, [key])
    if (claim.busy.has(key))
      return {
        kind: 'skipped',
        reason: 'a delivery of this document is under way: try again',
        busy: true,
      }
    const [docs, rows, pending] = await Promise.all([
      loadDocuments(payload, collection, [id]),
      target.rowsByIds(collection.spec, [id]),
      jobs.forKeys(sql, [key]),
    ])
    const doc = docs.get(id)
    const row = rows.get(id)
    if (!row) return { kind: 'skipped', reason: 'no row in Supabase' }
    if (!doc) return { kind: 'skipped', reason: 'no document in Payload' }
    if (collection.drafts && (await hasPendingDraft(payload, collection, id))) {
      // A pull updates the main document; with a draft pending, Payload would write that draft into it and unpublish.
      return {
        kind: 'skipped',
        reason: 'a draft is pending in Payload: publish or discard it first',
      }
    }
    const current = expectedRow(collection, doc)
    // A document that maps to no row (refused by shouldSync, a mapper's null): its row is a leftover,
    // not a newer state of it — taken in, Payload got values its own rules keep out of Supabase,
    // reported as pulled, and the save's delivery deleted the row. Also forced: not a question of which side is newer.
    if (current === null)
      return {
        kind: 'skipped',
        reason:
          'it belongs out of Supabase (shouldSync refuses it, or its mapper gives no row): its row is not pulled; its delivery deletes it',
        outOfSupabase: true,
      }
    const ignore = bookkeepingColumns(collection)
    if (!force) {
      if (pending.some((job) => !job.hasError))
        return { kind: 'skipped', reason: 'newer in Payload: a change is waiting to be delivered' }
      // No fingerprint to compare: an edit that made it unmappable never reached Supabase, whose
      // row is then the older state — taking it would undo that edit.
      // (Its reason names the field only: a mapping error's message can quote values.)
      if (current instanceof MappingError)
        return {
          kind: 'skipped',
          reason: `newer in Payload: it cannot be mapped${current.field ? ` (field "${current.field}")` : ''}, so its row is an older state`,
        }
      // Changed since its last delivery: its row in Supabase is older, not newer.
      const last = (await state.get([key])).get(key)?.fingerprint
      const now = fingerprint(current, ignore)
      if (last !== undefined && last !== now)
        return { kind: 'skipped', reason: 'newer in Payload: changed since it was last delivered' }
      const column = mapper.updatedAtColumn
      const rowVersion = column ? row[column] : undefined
      if (
        last === undefined &&
        typeof doc.updatedAt === 'string' &&
        typeof rowVersion === 'string' &&
        Date.parse(doc.updatedAt) > Date.parse(rowVersion)
      ) {
        return {
          kind: 'skipped',
          reason: `newer in Payload: updatedAt ${doc.updatedAt} is after the row's ${rowVersion}`,
        }
      }
    }
    const differing = !(current instanceof MappingError)
      ? changedFields(
          current,
          row,
          Object.keys(current).filter((c) => !ignore.includes(c)),
        )
      : Object.keys(row).filter((c) => !ignore.includes(c))
    const readOnly = new Set([
      ...(mapper.readOnlyColumns ?? []),
      collection.spec.primaryKey,
      ...ignore,
    ])
    const wanted = only
      ? differing.filter((f) => only.includes(f) || only.includes(f.split('.')[0]))
      : differing
    const refused = wanted.filter((f) => readOnly.has(f.split('.')[0]))
    const taken = wanted.filter((f) => !readOnly.has(f.split('.')[0]))
    if (!taken.length) return { kind: 'none', refused }
    // Only some fields: Payload's row with just those taken from Supabase's, mapped back whole.
    const source =
      only && !(current instanceof MappingError) ? withFields(current, row, taken) : row
    const parsed = mapper.rowSchema.safeParse(source)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new SyncError(
        `${collection.slug} ${id}: the Supabase row is invalid at "${issue.path.join('.')}": ${issue.message}`,
        {
          collection: collection.slug,
          id,
          operation: 'pull',
          field: issue.path.join('.'),
        },
      )
    }
    const data = fromRow(collection, id, parsed.data as Row)
    try {
      await payload.update({
        collection: collection.slug,
        id,
        data: {
          ...data,
          ...(collection.drafts ? { _status: 'published' } : {}),
        },
        // A user writes under the collection's own update access and, as that user's save through
        // Payload's REST API would, not over a document another user has open (Payload's document
        // lock: 423); the Local API and the watch without one, as the app.
        ...(user ? { overrideAccess: false, overrideLock: false, user } : { overrideAccess: true }),
        depth: 0,
        // Fails, changing nothing, if the document changed since it was read above.
        context: {
          [expectUpdatedAt]: {
            collection: collection.slug,
            id,
            // (Always read: the select adds it. Without it the check fails, never passes unchecked.)
            updatedAt: typeof doc.updatedAt === 'string' ? doc.updatedAt : '',
            // What Supabase held when read: a save that maps to it is not written back over a newer edit.
            row,
          } satisfies PullExpectation,
        },
      })
    } catch (error) {
      // Deleted (or trashed) in Payload since it was read above: Payload answers "Not Found", or the
      // version check finds no row. Nothing to take the row into, and nothing to try again: the
      // delete's own delivery removes the row.
      const gone = await goneSinceRead(payload, collection, id)
      if (gone) return { kind: 'skipped', reason: gone, deleted: true }
      throw error
    }
    // What Payload holds now may not be what was taken: the mapper maps a value back to the same
    // row (a key it derives from another column, a trimmed string), Payload drops a field the user
    // may not update. Reported as not taken; the save's delivery writes Payload's value back.
    // Read as delivery reads it (the mapper's locale, the main document).
    const after = expectedRow(collection, (await loadDocuments(payload, collection, [id])).get(id))
    const still =
      after && !(after instanceof MappingError)
        ? new Set(
            changedFields(
              after,
              row,
              Object.keys(after).filter((c) => !ignore.includes(c)),
            ),
          )
        : new Set<string>()
    const lost = taken.filter((f) => still.has(f) || still.has(f.split('.')[0]))
    const landed = taken.filter((f) => !lost.includes(f))
    if (lost.length)
      runtime.logger.warn(
        { collection: collection.slug, id, op: 'pull', fields: lost },
        `${collection.slug} ${id}: ${lost.join(', ')} from Supabase did not land in Payload (the mapper maps them back, or the field may not be updated); Supabase gets Payload's value back`,
      )
    return landed.length
      ? { kind: 'pulled', fields: landed, refused: [...refused, ...lost] }
      : { kind: 'none', refused: [...refused, ...lost], saved: true }
  })
}

/**
 * Whether trying the pull of a document again can help: not for a row the mapper refuses or a value
 * Payload refuses (a 4xx: validation, access); yes for a conflict with a save, a failed read of
 * Supabase (whatever its status: the row itself is not to blame), a database or network failure.
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof TargetError) return 'transient'
  if (error instanceof SyncError) return error.kind
  // Payload's database refused the values (a relationship to a document that does not exist: a
  // foreign key, 23503; a value out of range, 22003): the same row is refused every time.
  if (/^2[23]/.test(sqlStateOf(error) ?? '')) return 'row'
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500 ? 'row' : 'transient'
}

/** The mapper's `fromRow`; a throw is the row's (the same row is refused every time), naming the field it names. */
function fromRow(collection: SyncedCollection, id: string, row: Row): Record<string, unknown> {
  try {
    return collection.mapper.fromRow!(row) as Record<string, unknown>
  } catch (error) {
    const field = (error as { field?: unknown } | null)?.field
    throw new SyncError(
      `${collection.slug} ${id}: the mapper's fromRow refused the Supabase row${typeof field === 'string' ? ` at "${field}"` : ''}: ${describeCause(error)}`,
      {
        collection: collection.slug,
        id,
        operation: 'pull',
        ...(typeof field === 'string' ? { field } : {}),
        kind: 'row',
        cause: error,
      },
    )
  }
}

/**
 * Why the document can no longer be pulled into when it is gone from Payload since the pull read it
 * (deleted, or moved to the trash), else undefined. Read as the scans read it, trashed ones too.
 */
async function goneSinceRead(
  payload: Payload,
  collection: SyncedCollection,
  id: string,
): Promise<string | undefined> {
  const doc = (await loadDocuments(payload, collection, [id], { withTrashed: true })).get(id)
  if (!doc)
    return "deleted in Payload while it was pulled: nothing written; the delete's delivery removes its row"
  if (doc.deletedAt !== undefined && doc.deletedAt !== null)
    return "moved to the trash in Payload while it was pulled: nothing written; that change's delivery removes its row"
  return undefined
}

/** `base` with the given columns (or `column.key` inside an object column) taken from `from`. */
function withFields(base: Row, from: Row, fields: string[]): Row {
  const out: Row = structuredClone(base)
  for (const field of fields) {
    const [column, key] = field.split('.')
    if (key === undefined) out[column] = from[column]
    else
      out[column] = {
        ...((out[column] as Record<string, unknown> | null) ?? {}),
        [key]: (from[column] as Record<string, unknown> | null)?.[key] ?? null,
      }
  }
  return out
}

async function hasPendingDraft(
  payload: Payload,
  collection: SyncedCollection,
  id: string,
): Promise<boolean> {
  const latest = (await payload.findByID({
    collection: collection.slug,
    id,
    depth: 0,
    disableErrors: true,
    overrideAccess: true,
    draft: true,
  })) as Doc | null
  return latest?._status === 'draft'
}
