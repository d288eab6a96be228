/** How the command prints each operation's result for people (`--json` prints the result itself). */
import type { DoctorResult } from './doctor.js'
import type { SyncResult } from './options.js'
import type { PullResult } from './pull.js'
import type { StatusResult } from './status.js'
import type { ValidateResult } from './validate.js'

type Out = (line?: string) => void

/** Lines a human reads per list; `--json` has them all. */
export const printedPerList = 50

/** A titled list, cut at `printedPerList` lines with how many more there are. */
function list<T>(out: Out, title: string, items: readonly T[], line: (item: T) => string): void {
  if (!items.length) return
  const shown = items.slice(0, printedPerList).map((item) => `    ${line(item)}`)
  if (items.length > printedPerList)
    shown.push(`    … and ${items.length - printedPerList} more (--json lists them all)`)
  out(`  ${title} (${items.length}):\n${shown.join('\n')}`)
}

export function printValidate(out: Out, r: ValidateResult): void {
  out(
    `${r.collection}: ${r.scanned} documents, ${r.rows} rows in Supabase — ${r.inSync ? 'IN SYNC' : 'DRIFT'} (${r.ms} ms)`,
  )
  list(out, 'missing in Supabase', r.missing, (id) => id)
  list(out, 'extra in Supabase, no document', r.extra, (id) => id)
  list(out, 'changed', r.changed, (c) => `${c.id}: ${c.fields.join(', ')}`)
  list(out, 'cannot be mapped', r.failed, (f) => f.message)
}

export function printSync(out: Out, r: SyncResult): void {
  out(
    `${r.collection}: scanned ${r.scanned}, upserted ${r.upserted}, deleted ${r.deleted}, unchanged ${r.unchanged}, queued ${r.queued}, failed ${r.failed.length} (${r.requests} requests, ${r.ms} ms)`,
  )
  if (r.guard) out(`  ${r.guard}`)
  list(out, 'failed', r.failed, (f) => f.message)
}

export function printPull(out: Out, r: PullResult): void {
  out(`${r.collection}: ${r.pulled.length} documents updated from Supabase`)
  list(out, 'pulled', r.pulled, (p) => `${p.id}: ${p.fields.join(', ')}`)
  list(
    out,
    'refused',
    r.refused,
    (p) => `${p.id}: ${p.fields.join(', ')} cannot be written back into Payload`,
  )
  list(out, 'skipped', r.skipped, (s) => `${s.id}: ${s.reason}`)
  // Payload's own messages (a validation error, a database's) do not name the document: the id leads.
  list(out, 'failed', r.failed, (f) => {
    const named = `${r.collection} ${f.id}: `
    return `${f.id}: ${f.message.startsWith(named) ? f.message.slice(named.length) : f.message}`
  })
}

export function printStatus(out: Out, r: StatusResult): void {
  out(
    `Supabase: ${r.supabase.reachable ? `reachable (${r.supabase.ms} ms)` : `UNREACHABLE: ${r.supabase.error}`}`,
  )
  for (const c of r.collections) {
    out(`${c.collection} → ${c.table}: ${c.documents} documents, ${c.rows ?? '?'} rows`)
    if (c.lastReconcile)
      out(
        `  last reconcile in this process: upserted ${c.lastReconcile.upserted}, deleted ${c.lastReconcile.deleted}, failed ${c.lastReconcile.failed.length}`,
      )
  }
  const age = r.jobs.oldestPendingAgeMs
  out(
    `sync jobs: ${r.jobs.pending} pending (${r.jobs.retrying} retrying), ${r.jobs.processing} processing, ${r.jobs.failed} failed${age !== null ? `, oldest ${Math.round(age / 1000)} s old` : ''}`,
  )
  for (const f of r.failures)
    out(`  failed ${f.collection} ${f.id}: ${f.error?.message ?? 'unknown'}`)
  if (r.paused) out(`delivery PAUSED: ${r.paused.reason}`)
}

export function printDoctor(out: Out, r: DoctorResult): void {
  for (const check of r.checks) {
    const mark = check.skipped ? '-' : check.warning ? '!' : check.ok ? '✓' : '✗'
    out(`${mark} ${check.name}: ${check.detail}`)
    if ((!check.ok || check.warning) && check.fix)
      out(
        check.fix
          .split('\n')
          .map((line, i) => `    ${i === 0 ? 'fix: ' : '     '}${line}`)
          .join('\n'),
      )
  }
  const warnings = r.checks.filter((c) => c.warning).length
  const warned = warnings
    ? ` (${warnings} warning${warnings > 1 ? 's' : ''}: see the lines marked !)`
    : ''
  out(
    r.ok
      ? `All checks passed${warned}.`
      : `${r.checks.filter((c) => !c.ok && !c.skipped).length} check(s) failed${warned}.`,
  )
}
