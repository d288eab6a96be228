/** What `doctor` reports of one check, and what its checks share. */

export interface Check {
  name: string
  ok: boolean
  detail: string
  /** What to do: SQL to run, a variable to set. */
  fix?: string
  /** Not checked (a check before it failed, or it does not apply). */
  skipped?: boolean
  /**
   * Passes (`ok`), with a risk worth knowing: printed with its fix, but `doctor` still succeeds — for
   * what may be intended (a deadline longer than the database's, a column that rounds on purpose).
   */
  warning?: boolean
}

/** A check's finding, before `doctor` names it. */
export type Finding = Omit<Check, 'name'>

export { functionMissing } from '../supabase/classify.js'

/** The fix for a check that needs the newer sql/003. */
export const rerunInspectSql =
  'run sql/003_sync_inspect.sql again (or `npx payload supabase-sync sql`)'
