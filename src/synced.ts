/**
 * A synced collection as the plugin works with it: the Payload collection, its mapper (with
 * `shouldSync` folded in), its Supabase table, and whether it has drafts.
 */
import { withShouldSync } from './mapping/validate.js'
import type { Doc, SyncMapper } from './mapping/types.js'
import type { ResolvedOptions } from './options.js'
import type { TableSpec } from './supabase/target.js'
import type { ExternalChangePolicy } from './realtime/options.js'

export interface SyncedCollection {
  slug: string
  spec: TableSpec
  mapper: SyncMapper
  shouldSync?: (doc: Doc) => boolean
  /** Collection has drafts: only published documents are in Supabase. */
  drafts: boolean
  /** Its table is watched through Realtime, with this policy for changes made there directly; false: not watched. */
  watch: ExternalChangePolicy | false
  /** Documents per page of a scan (the reconcile, validate). */
  pageSize: number
}

export function syncedCollections(
  options: ResolvedOptions,
  hasDrafts: (slug: string) => boolean,
): Map<string, SyncedCollection> {
  const map = new Map<string, SyncedCollection>()
  const realtime = options.realtime
  for (const [slug, c] of Object.entries(options.collections)) {
    const watched = c.realtime ?? realtime !== false
    map.set(slug, {
      slug,
      // shouldSync is folded into the mapper: a document it refuses maps to null, wherever rows are made.
      mapper: withShouldSync(c.mapper, c.shouldSync),
      shouldSync: c.shouldSync,
      drafts: hasDrafts(slug),
      watch: watched
        ? (c.onExternalChange ??
          (typeof realtime === 'object' ? realtime.onExternalChange : 'revert'))
        : false,
      pageSize: c.pageSize,
      spec: {
        collection: slug,
        table: c.table,
        primaryKey: c.mapper.primaryKey ?? 'id',
        versionColumn: c.mapper.versionColumn ?? 'sync_version',
      },
    })
  }
  return map
}

/**
 * Columns the diff, the fingerprint and the hooks leave out: bookkeeping, not content — the plugin's
 * version, and the document's updatedAt (a save that changes no synced field sends nothing, so the row
 * keeps the updatedAt of its last content change).
 */
export function bookkeepingColumns(collection: SyncedCollection): string[] {
  return [
    ...(collection.spec.versionColumn ? [collection.spec.versionColumn] : []),
    ...(collection.mapper.updatedAtColumn ? [collection.mapper.updatedAtColumn] : []),
  ]
}
