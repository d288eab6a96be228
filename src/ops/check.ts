/** What `doctor` reports of one check, and what its checks share. */

export interface Check {
  name: string
  ok: boolean
  detail: string
  /** What to do: SQL to run, a variable to set. */
  fix?: string
  /** Not checked (a check before it failed, or it does not apply). */
  skipped?: boolean
}

/** A check's finding, before `doctor` names it. */
export type Finding = Omit<Check, 'name'>

/** Whether a call of one of sql/'s functions failed because the function is not installed. */
export function functionMissing(status: number | undefined, code: string | undefined): boolean {
  return status === 404 || code === 'PGRST202' || code === '42883'
}

/** The fix for a check that needs the newer sql/003. */
export const rerunInspectSql =
  'run sql/003_sync_inspect.sql again (or `npx payload supabase-sync sql`)'
