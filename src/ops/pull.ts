/**
 * `pull`: the manual override the other way — Supabase's values into Payload, through the mapper's
 * `fromRow`. Version-checked, so that it never overwrites an edit Supabase has not seen yet: a document
 * with a pending delivery, or whose `updatedAt` is newer than its row's, is skipped as "newer in Payload"
 * unless forced; the document is locked and read again right before the write, and the write itself
 * fails if the document changed since. What is pulled is then delivered back through the normal path
 * (its row gets the document's new `updatedAt`), so both sides end equal.
 */
import type { Payload, PayloadRequest } from 'payload'
import { expectedRow, loadDocuments } from '../documents.js'
import { describeCause, MappingError, SyncError } from '../errors.js'
import { expectUpdatedAt } from '../hooks/expect-version.js'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { fingerprint, noRow } from '../mapping/fingerprint.js'
import type { Doc, Row } from '../mapping/types.js'
import { documentKey } from '../queue/keys.js'
import { lockDocuments } from '../queue/locks.js'
import { changedFields } from '../reconcile/diff.js'
import type { FailedDocument } from '../reconcile/reconcile.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'
import { recordEvent } from './audit.js'
import type { OperationOptions } from './options.js'
import { validateSync } from './validate.js'

export interface PullResult {
  collection: string
  /** Documents updated from Supabase, with the columns taken over. */
  pulled: { id: string; fields: string[] }[]
  /** Columns that differ but cannot be written back into Payload (the mapper's readOnlyColumns). */
  refused: { id: string; fields: string[] }[]
  /**
   * Ids not pulled, with why: no row, no document, newer in Payload, a pending draft, busy (`busy`: a
   * delivery of it holds its lock; worth asking again once it is done).
   */
  skipped: { id: string; reason: string; busy?: true }[]
  failed: FailedDocument[]
}

type Step =
  | { kind: 'pulled' | 'refused'; fields: string[]; refused: string[] }
  | { kind: 'skipped'; reason: string; busy?: true }
  | { kind: 'none'; refused: string[] }

export async function pullFromSupabase(
  payload: Payload,
  /** `user`: write as this user, under the collection's own update access (the endpoint passes the caller). */
  options: OperationOptions & {
    force?: boolean
    user?: PayloadRequest['user']
    /** Only these columns (`name`, `api_config.utm_config`): the console's "Use Supabase value". Default: every differing one. */
    fields?: string[]
  } = {},
): Promise<PullResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  if (!collection.mapper.fromRow) {
    throw new SyncError(
      `supabase-sync: the mapper of "${collection.slug}" has no fromRow; it cannot pull from Supabase`,
      { collection: collection.slug, operation: 'pull' },
    )
  }
  const ids =
    options.ids ??
    (
      await validateSync(payload, {
        collection: collection.slug,
        actor: options.actor,
        record: false,
      })
    ).changed.map((c) => c.id)
  const result: PullResult = {
    collection: collection.slug,
    pulled: [],
    refused: [],
    skipped: [],
    failed: [],
  }
  for (const id of ids) {
    try {
      const step = await pullOne(
        runtime,
        collection,
        id,
        options.force === true,
        options.user ?? undefined,
        options.fields,
      )
      if (step.kind === 'skipped')
        result.skipped.push({ id, reason: step.reason, ...(step.busy ? { busy: true } : {}) })
      else {
        if (step.refused.length) result.refused.push({ id, fields: step.refused })
        if (step.kind === 'pulled') result.pulled.push({ id, fields: step.fields })
      }
    } catch (error) {
      result.failed.push({
        id,
        message: describeCause(error),
        field: error instanceof SyncError ? error.field : undefined,
      })
    }
  }
  // What was pulled is delivered back after the locks are gone.
  runtime.runner?.kick()
  runtime.logger.info(
    {
      collection: collection.slug,
      op: 'pull',
      pulled: result.pulled.length,
      refused: result.refused.length,
      skipped: result.skipped.length,
      failed: result.failed.length,
    },
    `${collection.slug}: pull done`,
  )
  await recordEvent(runtime, {
    action: 'pull',
    collectionSlug: collection.slug,
    outcome: result.failed.length
      ? 'failed'
      : result.refused.length || result.skipped.length
        ? 'refused'
        : 'ok',
    summary: `pull: ${result.pulled.length} documents updated from Supabase, ${result.skipped.length} skipped, ${result.refused.length} with refused fields, ${result.failed.length} failed`,
    ids,
    fields: Object.fromEntries([...result.pulled, ...result.refused].map((p) => [p.id, p.fields])),
    details: result,
    actor: options.actor,
  })
  return result
}

/** One document, under its lock: no delivery of it runs meanwhile, and its read is the one written against. */
async function pullOne(
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
  return db.transaction(async (sql): Promise<Step> => {
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
    const ignore = bookkeepingColumns(collection)
    if (!force) {
      if (pending.some((job) => !job.hasError))
        return { kind: 'skipped', reason: 'newer in Payload: a change is waiting to be delivered' }
      // Changed since its last delivery: its row in Supabase is older, not newer.
      const last = (await state.get([key])).get(key)?.fingerprint
      const now =
        current instanceof MappingError
          ? undefined
          : current === null
            ? noRow
            : fingerprint(current, ignore)
      if (last !== undefined && now !== undefined && last !== now)
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
    const differing =
      current && !(current instanceof MappingError)
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
      only && current && !(current instanceof MappingError) ? withFields(current, row, taken) : row
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
    await payload.update({
      collection: collection.slug,
      id,
      data: {
        ...(mapper.fromRow!(parsed.data as Row) as Record<string, unknown>),
        ...(collection.drafts ? { _status: 'published' } : {}),
      },
      // A user writes under the collection's own update access; the Local API without one, as the app.
      ...(user ? { overrideAccess: false, user } : { overrideAccess: true }),
      depth: 0,
      // Fails, changing nothing, if the document changed since it was read above.
      context: { [expectUpdatedAt]: doc.updatedAt },
    })
    return { kind: 'pulled', fields: taken, refused }
  })
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
