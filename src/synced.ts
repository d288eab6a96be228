/**
 * A synced collection as the plugin works with it: the Payload collection, its mapper (with
 * `shouldSync` folded in), its Supabase table, and whether it has drafts.
 */
import { readsOutside, type SelectShape } from './mapping/select-coverage.js'
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
  /**
   * What every read of a document asks Payload for: the mapper's `select` and what decides whether a
   * document is in Supabase; undefined: every field (no select, or one that leaves out what the
   * mapper or `shouldSync` reads).
   */
  selection: Selection
}

/**
 * What every read of a collection's documents asks Payload for: the mapper's `select` with what decides
 * whether a document is in Supabase (`_status` is added for a collection with drafts); `select`
 * undefined: every field — the mapper has none, or it leaves out what the mapper or `shouldSync` reads
 * (`unselected`). One object per configured collection, shared by the hooks' and the runtime's view of
 * it, so that what the startup check finds holds for both.
 */
export interface Selection {
  select?: SelectShape
  unselected: string[]
}

const selections = new WeakMap<object, Selection>()

function selectionOf(c: ResolvedOptions['collections'][string]): Selection {
  let selection = selections.get(c)
  if (!selection) {
    const select = c.mapper.select && {
      ...c.mapper.select,
      deletedAt: true,
      updatedAt: true,
    }
    const unselected = select
      ? readsOutside({ ...select, _status: true }, readersOf(c), stub, nestedReads(c.mapper))
      : []
    selection = { select: unselected.length ? undefined : select, unselected }
    selections.set(c, selection)
  }
  return selection
}

/** A document with nothing but an id: what a mapping reads of it is what it reads of any. */
const stub = { id: '00000000-0000-0000-0000-000000000000' }

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
      selection: selectionOf(c),
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

/** A mapper of every locale reads `group.en.field` where the select says `group.field`: top level only. */
export function nestedReads(mapper: SyncMapper): { nested: boolean } {
  return { nested: mapper.locale !== 'all' }
}

/** What reads a collection's documents to make its rows: the mapper, and `shouldSync` (run apart: it may refuse the stub). */
export function readersOf(c: {
  mapper: SyncMapper
  shouldSync?: (doc: Doc) => boolean
}): Array<(doc: Doc) => unknown> {
  const shouldSync = c.shouldSync
  return [(doc) => c.mapper.toRow(doc), ...(shouldSync ? [(doc: Doc) => shouldSync(doc)] : [])]
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
