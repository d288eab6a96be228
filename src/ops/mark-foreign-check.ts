/**
 * `doctor`'s check of the trigger that marks writes made around the plugin (sql/002's
 * supabase_sync_mark_foreign, one trigger per synced table): without it an edit made in the table
 * directly keeps the version the plugin last wrote, and the next delivery of its document replaces it
 * without a record. A warning, not a failure: the sync itself works either way.
 */
import type { TableReport } from '../supabase/inspect.js'
import { rerunInspectSql, type Finding } from './check.js'
import { markForeignSql } from './schema-sql.js'

export function markForeignCheck(
  table: string,
  versionColumn: string,
  report: TableReport,
  sqlFix: (sql: string) => string,
): Finding {
  if (report.markForeign === undefined)
    return {
      ok: true,
      skipped: true,
      detail:
        'Supabase does not report the table’s triggers (sql/003 is older than this plugin): not checked',
      fix: rerunInspectSql,
    }
  if (report.markForeign.includes(versionColumn))
    return {
      ok: true,
      detail: `edits made in the table directly are marked (${versionColumn}): the delivery that replaces one records the conflict`,
    }
  return {
    ok: true,
    warning: true,
    detail: `no trigger marks edits made in the table directly: the delivery that replaces one (Payload wins) records no conflict`,
    fix: sqlFix(
      `-- needs sql/002 v6 (supabase_sync_mark_foreign)\n${markForeignSql(table, versionColumn)}`,
    ),
  }
}
