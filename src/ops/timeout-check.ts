/**
 * `doctor`'s check of the plugin's request deadline (`timeoutMs`) against the statement timeout the
 * service role's requests run under (hosted Supabase: the authenticator's 8 s): past it, PostgreSQL
 * cancels the request (57014) while the plugin would still wait. With the apply function (the default
 * writeMode) that is as designed — it bounds its own deadline and lock waits by the statement timeout
 * and answers before it — so every default project would be warned of nothing: a pass that says so.
 * Under writeMode 'upsert' nothing ends a write before the statement timeout (a lock wait becomes
 * 57014, retried, then split): a warning, not a failure, the sync works. Read through sql/003, as
 * PostgREST runs a request, so a role's own setting counts; an older sql/003 does not say it, and then
 * nothing is claimed.
 */
import { rerunInspectSql, type Finding } from './check.js'

const seconds = (ms: number) => `${ms / 1000} s`
/** As PostgreSQL takes a duration: '15s', or '1500ms' where seconds would need a fraction. */
const duration = (ms: number) => (ms % 1000 ? `${ms}ms` : `${ms / 1000}s`)

export function statementTimeoutCheck(
  timeoutMs: number,
  statementTimeoutMs: number | undefined,
  writeMode: 'rpc' | 'upsert' = 'rpc',
): Finding {
  if (statementTimeoutMs === undefined)
    return {
      ok: true,
      skipped: true,
      detail: 'not checked: sql/003 is older than this plugin (it does not report the timeout)',
      fix: rerunInspectSql,
    }
  if (statementTimeoutMs === 0)
    return { ok: true, detail: "the service role's requests run without a statement timeout" }
  if (timeoutMs <= statementTimeoutMs)
    return {
      ok: true,
      detail: `Supabase lets a request run ${seconds(statementTimeoutMs)}, the plugin waits ${seconds(timeoutMs)} (timeoutMs)`,
    }
  if (writeMode === 'rpc')
    return {
      ok: true,
      detail: `Supabase cancels a request after ${seconds(statementTimeoutMs)}, the plugin waits up to ${seconds(timeoutMs)} (timeoutMs): the apply function ends a write before the statement timeout (its deadline and lock waits are bounded by it)`,
    }
  return {
    ok: true,
    warning: true,
    detail: `Supabase cancels a request after ${seconds(statementTimeoutMs)} (the statement_timeout of the service role's requests), the plugin waits up to ${seconds(timeoutMs)} (timeoutMs): a slower request fails with 57014 before the plugin's deadline, and under writeMode 'upsert' nothing ends a write before it (a lock wait is cancelled, retried, then split)`,
    fix: [
      `set the plugin's timeoutMs to ${statementTimeoutMs} or less; or, to let requests run ${seconds(timeoutMs)}, run in the Supabase SQL editor:`,
      `alter role service_role set statement_timeout = '${duration(timeoutMs)}';`,
      `notify pgrst, 'reload config';`,
    ].join('\n'),
  }
}
