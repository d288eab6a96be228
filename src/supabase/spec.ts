/** A synced table as the Supabase module sees it. */
export interface TableSpec {
  collection: string
  table: string
  primaryKey: string
  /** The plugin's version column for the stale-write guard; false: none. */
  versionColumn: string | false
}
