/**
 * `doctor`'s check of the plugin's `maxRows` against the project's max-rows (PostgREST's db-max-rows):
 * PostgREST cuts every read to max-rows rows without an error. The sync notices a cut read (the exact
 * count it asks for until a read comes back full) and reads less from then on, but each process pays
 * those counts first, and warns. sql/003's `supabase_sync_rows(n)` returns n rows, or as many
 * as max-rows lets through.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { functionMissing, rerunInspectSql, type Finding } from './check.js'

export const rowsFunction = 'supabase_sync_rows'

export async function maxRowsCheck(client: SupabaseClient, maxRows: number): Promise<Finding> {
  const asked = maxRows + 1
  const { data, error, status } = await client.rpc(rowsFunction, { n: asked }).retry(false)
  if (error) {
    const missing = functionMissing(status, error.code)
    return {
      ok: true,
      skipped: true,
      detail: missing
        ? `${rowsFunction} is not installed (sql/003 is older than this plugin): not checked`
        : `not checked: ${error.message}`,
      fix: missing ? rerunInspectSql : undefined,
    }
  }
  // One more than maxRows is asked for: as many as maxRows back is a max-rows of exactly maxRows.
  const got = Array.isArray(data) ? data.length : 0
  if (got >= maxRows)
    return {
      ok: true,
      detail: `Supabase returns ${got === maxRows ? 'up to' : 'more than'} ${maxRows} rows per read: reads of maxRows (${maxRows}) are not cut`,
    }
  return {
    ok: false,
    detail: `Supabase returns at most ${got} rows per read (its max-rows), the plugin asks for up to ${maxRows} (maxRows): each process asks for a row count with its reads until one comes back cut, then reads ${got} at a time`,
    fix: `set the plugin's maxRows: ${got} (or raise max-rows in the project's API settings)`,
  }
}
