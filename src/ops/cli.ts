/**
 * `npx payload supabase-sync <validate|sync|reset|pull|status> [--collection dealers] [--id …] [--json] [--yes] [--force]`,
 * registered through Payload's `bin` config. Replaces the seed's scripts (validate-dealer-sync.mjs,
 * sync-dealers-manual.mjs, sync-dealer-specific.mjs --dealer-id=…).
 * Exit codes: 0 done / in sync, 1 drift (validate) or failures, 2 error.
 */
import { parseArgs } from 'node:util'
import { getPayload, type SanitizedConfig } from 'payload'
import pino from 'pino'
import { cliMode } from '../lifecycle/registry.js'
import type { Actor } from './audit.js'
import type { SyncResult } from './options.js'
import { pullFromSupabase } from './pull.js'
import { syncStatus } from './status.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync, type ValidateResult } from './validate.js'

const usage = `usage: payload supabase-sync <validate|sync|reset|pull|status> [options]
  --collection <slug>   synced collection (default: dealers)
  --id <id>             only this document (repeat for several); --dealer-id is accepted too
  --json                machine-readable output
  --yes                 confirm reset (rewrites every row, then deletes rows without documents)
  --force               sync: bypass the mass-delete guard; reset: also when Payload has no documents;
                        pull: also documents newer in Payload than in Supabase`

const out = (line = '') => process.stdout.write(`${line}\n`)

function printValidate(r: ValidateResult): void {
  out(`${r.collection}: ${r.scanned} documents, ${r.rows} rows in Supabase — ${r.inSync ? 'IN SYNC' : 'DRIFT'} (${r.ms} ms)`)
  if (r.missing.length) out(`  missing in Supabase (${r.missing.length}):\n${r.missing.map((id) => `    ${id}`).join('\n')}`)
  if (r.extra.length) out(`  extra in Supabase, no document (${r.extra.length}):\n${r.extra.map((id) => `    ${id}`).join('\n')}`)
  if (r.changed.length) out(`  changed (${r.changed.length}):\n${r.changed.map((c) => `    ${c.id}: ${c.fields.join(', ')}`).join('\n')}`)
  if (r.failed.length) out(`  cannot be mapped (${r.failed.length}):\n${r.failed.map((f) => `    ${f.message}`).join('\n')}`)
}

function printSync(r: SyncResult): void {
  out(`${r.collection}: scanned ${r.scanned}, upserted ${r.upserted}, deleted ${r.deleted}, unchanged ${r.unchanged}, queued ${r.queued}, failed ${r.failed.length} (${r.requests} requests, ${r.ms} ms)`)
  if (r.guard) out(`  ${r.guard}`)
  for (const f of r.failed) out(`  failed: ${f.message}`)
}

export async function script(config: SanitizedConfig): Promise<void> {
  let code = 2
  let payload: Awaited<ReturnType<typeof getPayload>> | undefined
  try {
    const argv = process.argv.slice(process.argv.indexOf('supabase-sync') + 1)
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        collection: { type: 'string' },
        id: { type: 'string', multiple: true },
        'dealer-id': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    })
    const command = positionals[0]
    if (values.help || !command || !['validate', 'sync', 'reset', 'pull', 'status'].includes(command)) {
      out(usage)
      process.exit(values.help ? 0 : 2)
    }
    const ids = [...(values.id ?? []), ...(values['dealer-id'] ?? [])]
    const common = {
      collection: values.collection,
      ids: ids.length ? ids : undefined,
      actor: { source: 'bin', user: `cli:${process.env.USER ?? 'unknown'}` } satisfies Actor,
      onProgress: values.json ? undefined : (done: number, total: number) => process.stderr.write(`\r  ${done} / ${total} documents`),
    }
    cliMode(true)
    // Payload's start-up may print (the dev schema push's spinner): keep stdout for the result.
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => process.stderr.write(chunk, ...rest)) as typeof process.stdout.write
    try {
      // Logs go to stderr too (pino writes to fd 1 directly, past process.stdout.write).
      payload = await getPayload({ config: { ...config, logger: pino({ level: process.env.PAYLOAD_LOG_LEVEL ?? 'warn' }, pino.destination(2)) as never } })
    } finally {
      process.stdout.write = write
    }
    const json = (value: unknown) => out(JSON.stringify(value, null, 2))
    switch (command) {
      case 'validate': {
        const r = await validateSync(payload, common)
        if (!values.json) process.stderr.write('\n')
        values.json ? json(r) : printValidate(r)
        code = r.inSync ? 0 : 1
        break
      }
      case 'sync': {
        const r = await syncDocuments(payload, { ...common, force: values.force })
        if (!values.json) process.stderr.write('\n')
        values.json ? json(r) : printSync(r)
        code = r.failed.length || r.guard ? 1 : 0
        break
      }
      case 'reset': {
        if (!values.yes) {
          out('reset rewrites every row of the table from Payload, then deletes the rows without documents: run again with --yes')
          code = 2
          break
        }
        const r = await resetTable(payload, { ...common, confirm: true, force: values.force })
        if (!values.json) process.stderr.write('\n')
        values.json ? json(r) : printSync(r.sync)
        code = r.sync.failed.length ? 1 : 0
        break
      }
      case 'pull': {
        const r = await pullFromSupabase(payload, { ...common, force: values.force })
        if (values.json) json(r)
        else {
          out(`${r.collection}: ${r.pulled.length} documents updated from Supabase`)
          for (const p of r.pulled) out(`  pulled ${p.id}: ${p.fields.join(', ')}`)
          for (const p of r.refused) out(`  refused ${p.id}: ${p.fields.join(', ')} cannot be written back into Payload`)
          for (const s of r.skipped) out(`  skipped ${s.id}: ${s.reason}`)
          for (const f of r.failed) out(`  failed: ${f.message}`)
        }
        code = r.failed.length ? 1 : 0
        break
      }
      case 'status': {
        const r = await syncStatus(payload)
        if (values.json) json(r)
        else {
          out(`Supabase: ${r.supabase.reachable ? `reachable (${r.supabase.ms} ms)` : `UNREACHABLE: ${r.supabase.error}`}`)
          for (const c of r.collections) {
            out(`${c.collection} → ${c.table}: ${c.documents} documents, ${c.rows ?? '?'} rows`)
            if (c.lastReconcile) out(`  last reconcile in this process: upserted ${c.lastReconcile.upserted}, deleted ${c.lastReconcile.deleted}, failed ${c.lastReconcile.failed.length}`)
          }
          const age = r.jobs.oldestPendingAgeMs
          out(`sync jobs: ${r.jobs.pending} pending (${r.jobs.retrying} retrying), ${r.jobs.processing} processing, ${r.jobs.failed} failed${age !== null ? `, oldest ${Math.round(age / 1000)} s old` : ''}`)
          for (const f of r.failures) out(`  failed ${f.collection} ${f.id}: ${f.error?.message ?? 'unknown'}`)
          if (r.paused) out(`delivery PAUSED: ${r.paused.reason}`)
        }
        code = r.supabase.reachable && r.jobs.failed === 0 ? 0 : 1
        break
      }
    }
  } catch (error) {
    process.stderr.write(`supabase-sync: ${error instanceof Error ? error.message : String(error)}\n`)
    code = 2
  }
  await payload?.destroy().catch(() => {})
  process.exit(code)
}
