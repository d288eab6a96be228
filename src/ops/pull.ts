/**
 * `pull`: the manual override the other way — Supabase's values into Payload, through the mapper's
 * `fromRow`. Version-checked, so that it never overwrites an edit Supabase has not seen yet: a document
 * with a pending delivery, or whose `updatedAt` is newer than its row's, is skipped as "newer in Payload"
 * unless forced; the document is locked and read again right before the write, and the write itself
 * fails if the document changed since. Where Payload then holds something else than the row read (a
 * refused or mapped-back value), the save is delivered back through the normal path, so both sides end
 * equal; a row taken whole is not written again (src/hooks/pulled-row.ts).
 */
import type { Payload, PayloadRequest } from 'payload'
import { describeCause, SyncError } from '../errors.js'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import type { FailedDocument } from '../reconcile/reconcile.js'
import { recordEvent } from './audit.js'
import type { OperationOptions } from './options.js'
import { failureKind, pullOne } from './pull-one.js'
import { validateSync } from './validate.js'

export interface PullResult {
  collection: string
  /** Documents updated from Supabase, with the columns taken over. */
  pulled: { id: string; fields: string[] }[]
  /**
   * Columns that differ but cannot be written back into Payload (the mapper's readOnlyColumns, or
   * values Payload did not keep: the mapper maps them back, the user may not update the field).
   * `deliveredBack`: the pull saved the document, and that save's delivery writes Payload's values
   * back over them; else they stay in Supabase until the next delivery or reconcile of the document.
   */
  refused: { id: string; fields: string[]; deliveredBack?: true }[]
  /**
   * Ids not pulled, with why: no row, no document, newer in Payload, a pending draft, busy (`busy`: a
   * delivery of it holds its lock; worth asking again once it is done), a document that maps to no
   * row (`outOfSupabase`: its row is a leftover, which its delivery deletes), a document deleted or
   * trashed in Payload while it was pulled (`deleted`: the delete's own delivery removes its row).
   */
  skipped: { id: string; reason: string; busy?: true; outOfSupabase?: true; deleted?: true }[]
  failed: FailedDocument[]
}

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
    // The scan of every row is the long part: it reports progress and stops between pages (Ctrl-C).
    (
      await validateSync(payload, {
        collection: collection.slug,
        actor: options.actor,
        record: false,
        signal: options.signal,
        onProgress: options.onProgress,
      })
    ).changed.map((c) => c.id)
  const result: PullResult = {
    collection: collection.slug,
    pulled: [],
    refused: [],
    skipped: [],
    failed: [],
  }
  for (const [index, id] of ids.entries()) {
    // Cancelled (Ctrl-C in the command): each document is pulled whole or not at all; the rest stay.
    if (options.signal?.aborted) {
      for (const rest of ids.slice(index))
        result.skipped.push({ id: rest, reason: 'cancelled before it was pulled' })
      break
    }
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
        result.skipped.push({
          id,
          reason: step.reason,
          ...(step.busy ? { busy: true } : {}),
          ...(step.outOfSupabase ? { outOfSupabase: true } : {}),
          ...(step.deleted ? { deleted: true } : {}),
        })
      else {
        const saved = step.kind === 'pulled' || (step.kind === 'none' && step.saved)
        if (step.refused.length)
          result.refused.push({
            id,
            fields: step.refused,
            ...(saved ? { deliveredBack: true as const } : {}),
          })
        if (step.kind === 'pulled') result.pulled.push({ id, fields: step.fields })
      }
    } catch (error) {
      result.failed.push({
        id,
        message: describeCause(error),
        field: error instanceof SyncError ? error.field : undefined,
        kind: failureKind(error),
      })
    }
  }
  // What is delivered back goes after the locks are gone.
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
