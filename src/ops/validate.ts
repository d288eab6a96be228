/** `validate`: the drift report (read-only), as the seed's validate-dealer-sync. */
import type { Payload } from 'payload'
import { validateDeps } from '../lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import type { FailedDocument } from '../reconcile/reconcile.js'
import { listedIds } from '../reconcile/diff.js'
import { validate } from '../reconcile/validate.js'
import { recordEvent } from './audit.js'
import { exclusive } from './exclusive.js'
import { fieldsOf, recordCancel, type OperationOptions } from './options.js'

export interface ValidateResult {
  collection: string
  inSync: boolean
  /** In Payload, not in Supabase. */
  missing: string[]
  /** In Supabase, not in Payload (orphans). */
  extra: string[]
  /** Rows that differ, with the Supabase columns (`api_config.<key>` inside api_config). */
  changed: { id: string; fields: string[] }[]
  /** Documents that cannot become a row (mapping errors), with the field at fault. */
  failed: FailedDocument[]
  scanned: number
  rows: number
  ms: number
}

/**
 * Compares every document's mapped row with Supabase; writes nothing but its audit record (`record:
 * false`: not even that). `passive` (a GET): records nothing, notes no last check (the health verdict
 * stays) and takes no operation lock, so it never refuses another check as busy — it only reads.
 */
export async function validateSync(
  payload: Payload,
  options: OperationOptions & { record?: boolean; passive?: boolean } = {},
): Promise<ValidateResult> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const startedAt = new Date().toISOString()
  const check = (signal: AbortSignal | undefined) =>
    validate(validateDeps(runtime), collection, {
      ids: options.ids,
      onProgress: options.onProgress,
      signal,
    })
  const summary = options.passive
    ? await check(options.signal)
    : await recordCancel(runtime, 'validate', collection.slug, options, () =>
        exclusive(runtime.db, 'validate', collection.slug, check, options.signal),
      )
  const { missing, extra, changed } = summary.diff
  const result: ValidateResult = {
    collection: collection.slug,
    inSync:
      missing.length === 0 &&
      extra.length === 0 &&
      changed.length === 0 &&
      summary.failed.length === 0,
    missing,
    extra,
    changed,
    failed: summary.failed,
    scanned: summary.scanned,
    rows: summary.rows,
    ms: summary.ms,
  }
  const noted = {
    at: new Date().toISOString(),
    startedAt,
    missing: missing.length,
    extra: extra.length,
    changed: changed.length,
    failed: summary.failed.length,
  }
  if (!options.ids && !options.passive) runtime.lastCheck.set(collection.slug, noted)
  runtime.logger.info(
    {
      collection: collection.slug,
      op: 'validate',
      inSync: result.inSync,
      missing: missing.length,
      extra: extra.length,
      changed: changed.length,
      failed: summary.failed.length,
      ms: summary.ms,
    },
    `${collection.slug}: validate done`,
  )
  if (options.record !== false && !options.passive) {
    // The first ids of each kind: a check of a table that is far off (restored from an old backup,
    // emptied) must not write every id into an event, and the scheduled checks repeat it.
    const first = {
      missing: missing.slice(0, listedIds),
      extra: extra.slice(0, listedIds),
      changed: changed.slice(0, listedIds),
    }
    await recordEvent(runtime, {
      action: 'validate',
      collectionSlug: collection.slug,
      outcome: result.inSync ? 'ok' : 'drift',
      summary: result.inSync
        ? `in sync: ${summary.scanned} documents`
        : `drift: ${missing.length} missing, ${extra.length} extra, ${changed.length} changed, ${summary.failed.length} unmappable`,
      ids: [...first.missing, ...first.extra, ...first.changed.map((c) => c.id)],
      fields: fieldsOf(first.changed),
      details: {
        missing: first.missing,
        extra: first.extra,
        failed: summary.failed.slice(0, listedIds),
        scanned: summary.scanned,
        rows: summary.rows,
        check: options.ids ? undefined : noted,
      },
      actor: options.actor,
    })
  }
  return result
}
