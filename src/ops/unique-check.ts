/**
 * `doctor`'s checks of what lets two documents trade unique values (A takes B's slug while B takes
 * A's, as an editor renames both): PostgreSQL checks a unique constraint that is not deferrable row
 * by row, so neither row can be written first, alone or in one statement, and both deliveries fail
 * for ever. A DEFERRABLE (initially immediate) constraint is checked at the end of the statement, and
 * the apply function (sql/002 v2) writes such rows together.
 */
import type { TableReport, UniqueReport } from '../supabase/inspect.js'
import { rerunInspectSql, type Finding } from './check.js'

/** The apply function version this plugin's sql/002 installs. */
export const applyVersion = 6

/** What a function of each older version still does wrong, as doctor tells it. */
const missing: Record<number, string> = {
  1: 'documents that trade unique values are refused for ever',
  2: 'a call waiting for a lock past its deadline leaves the plugin without an answer, and one row refused for good keeps documents that trade unique values from passing',
  3: 'two rows refused for good (their values held by rows outside the batch) keep documents that trade unique values from passing',
  4: 'a call waiting for a lock is cancelled by the statement timeout (Supabase: 8 s) before its lock_timeout answers, and the batch is split as if its size were the cause',
  5: 'supabase_sync_mark_foreign is missing, so edits made in Supabase directly are replaced without a record (and with the trigger in place, v5 marks the plugin’s own writes too: each is written twice)',
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The apply function's version from its comment; 1 for a function older than the versions. */
export function installedApplyVersion(comment: string): number {
  const match = /supabase-sync apply v(\d+)/.exec(comment)
  return match ? Number(match[1]) : 1
}

/** Undefined when the report cannot say (sql/003 older than the comment in it). */
export function applyVersionCheck(report: TableReport): Finding | undefined {
  if (report.applyComment === undefined || report.applyComment === null) return undefined
  const installed = installedApplyVersion(report.applyComment)
  if (installed >= applyVersion) return undefined
  return {
    ok: false,
    detail: `supabase_sync_apply is v${installed}, this plugin's sql/002 is v${applyVersion}: ${missing[installed] ?? missing[1]}`,
    fix: 'run sql/002_sync_apply.sql again (or `npx payload supabase-sync sql`)',
  }
}

export function uniquesCheck(table: string, report: TableReport): Finding {
  if (report.uniques === undefined)
    return {
      ok: true,
      skipped: true,
      detail:
        'Supabase does not report the unique constraints (sql/003 is older than this plugin): not checked',
      fix: rerunInspectSql,
    }
  const fixed = (u: UniqueReport) => u.referenced || u.expression === true || !u.columns?.length
  const rowByRow = report.uniques.filter((u) => !u.deferrable && !fixed(u))
  const cannot = report.uniques.filter((u) => !u.deferrable && fixed(u))
  const note = cannot.length
    ? `; ${cannot.map((u) => u.name).join(', ')} cannot be deferrable (a foreign key references it, or it is an index on an expression or with a predicate): documents that trade those values need an operator`
    : ''
  if (!rowByRow.length)
    return {
      ok: true,
      detail: report.uniques.length
        ? `unique values are checked at the end of each statement: documents may trade them${note}`
        : 'no unique constraint besides the key',
    }
  const fix = rowByRow.map((u) => {
    const columns = u.columns.map(ident).join(', ')
    const add = `add constraint ${ident(u.name)} unique (${columns}) deferrable initially immediate`
    return u.constraint
      ? `alter table public.${ident(table)} drop constraint ${ident(u.name)}, ${add};`
      : `drop index public.${ident(u.name)};\nalter table public.${ident(table)} ${add};`
  })
  return {
    ok: false,
    detail: `${rowByRow.map((u) => `${u.name} (${u.columns.join(', ')})`).join(', ')} checked row by row: two documents that trade values (renamed into each other's slug) are refused for ever${note}`,
    fix: `run in Supabase's SQL editor (builds the index again):\n${fix.join('\n')}`,
  }
}
