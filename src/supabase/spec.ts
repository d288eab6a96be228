/** A synced table as the Supabase module sees it. */
export interface TableSpec {
  collection: string
  table: string
  primaryKey: string
  /** The plugin's version column for the stale-write guard; false: none. */
  versionColumn: string | false
}

/**
 * The version a row written around the plugin carries (sql/002's `supabase_sync_mark_foreign`, the
 * trigger of sql/005): the largest bigint, as text (a JSON number would lose it).
 */
export const foreignVersion = '9223372036854775807'
