/**
 * `npx payload supabase-sync <command> [options]`, registered through Payload's `bin` config. Replaces
 * the seed's scripts (validate-dealer-sync.mjs, sync-dealers-manual.mjs, sync-dealer-specific.mjs).
 * Exit codes: 0 done / in sync / all checks pass, 1 drift or failures, 2 error or refused.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { getPayload, type SanitizedConfig } from 'payload'
import pino from 'pino'
import { CancelledError, describeCause, InputError } from '../errors.js'
import type { RunProgress } from '../reconcile/progress.js'
import { cliMode, getRuntime } from '../lifecycle/registry.js'
import type { Actor } from './audit.js'
import { commands, parseCommandArgs, type Command } from './cli-args.js'
import { printDoctor, printPull, printStatus, printSync, printValidate } from './cli-print.js'
import { doctor } from './doctor.js'
import { parseInput } from './inputs.js'
import { progress } from './progress.js'
import { pullFromSupabase } from './pull.js'
import { projectSql } from './schema-sql.js'
import { syncStatus } from './status.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync } from './validate.js'

const usage = `usage: payload supabase-sync <${commands.join('|')}> [options]
  validate              compare every document with its row (read-only)
  sync                  make Supabase equal Payload (all documents, or --id …)
  reset --yes           rewrite every row, then delete the rows without documents
  pull                  take Supabase's values into Payload (version-checked)
  status                documents vs rows, sync jobs, reachability
  doctor                check the Supabase project's set-up; prints the fix for what fails
  sql                   print the SQL the Supabase project needs (--out <dir>: write a migration file)
options:
  --collection <slug>   synced collection (default: dealers; sql: all unless given)
  --id <id>             only this document (repeat for several); --dealer-id is accepted too
  --json                machine-readable output
  --yes                 confirm reset
  --force               sync: bypass the mass-delete guard; reset: also when Payload has no documents;
                        pull: also documents newer in Payload than in Supabase
  --actor <name>        who runs this, for the Sync events (default: the OS user)
  --out <dir>           sql: write <dir>/<timestamp>_supabase_sync.sql (e.g. supabase/migrations)`

/** The commands that watch the stop signal (between pages, between documents). */
const stoppableCommands: readonly Command[] = ['validate', 'sync', 'reset', 'pull']

const out = (line = '') => process.stdout.write(`${line}\n`)

function osUser(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}

export async function script(config: SanitizedConfig): Promise<void> {
  let code = 2
  let payload: Awaited<ReturnType<typeof getPayload>> | undefined
  try {
    const parsed = parseCommandArgs(process.argv.slice(process.argv.indexOf('supabase-sync') + 1))
    if ('help' in parsed) {
      out(usage)
      process.exit(0)
    }
    const { command, ids, ...values } = parsed
    const bar = values.json ? undefined : progress()
    const stop = new AbortController()
    const common = {
      collection: values.collection,
      ids: ids.length ? ids : undefined,
      actor: { source: 'bin', user: `cli:${values.actor ?? osUser()}` } satisfies Actor,
      onProgress: bar ? (p: RunProgress) => bar.update(p) : undefined,
      signal: stop.signal,
    }
    // Ctrl-C stops a long run between two pages (what was done stays done); a second one leaves at
    // once, as does the first for a command without pages (status, doctor, sql: nothing would stop it).
    const stoppable = stoppableCommands.includes(command)
    process.on('SIGINT', () => {
      if (stop.signal.aborted || !stoppable) {
        process.stderr.write('\nsupabase-sync: stopped\n')
        process.exit(130)
      }
      process.stderr.write(
        '\nsupabase-sync: stopping after the current page (Ctrl-C again to leave at once) ...\n',
      )
      stop.abort()
    })
    cliMode(true)
    // Payload's start-up may print (the dev schema push's spinner): keep stdout for the result.
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
      process.stderr.write(chunk, ...rest)) as typeof process.stdout.write
    try {
      // Logs go to stderr too (pino writes to fd 1 directly, past process.stdout.write).
      payload = await getPayload({
        config: {
          ...config,
          logger: pino(
            { level: process.env.PAYLOAD_LOG_LEVEL ?? 'warn' },
            pino.destination(2),
          ) as never,
        },
      })
    } finally {
      process.stdout.write = write
    }
    // The collection and ids are checked as the endpoints check them: a bad one is named, before anything runs.
    if (values.collection !== undefined) checkCollection(payload, values.collection)
    if (ids.length) common.ids = checkIds(payload, values.collection, ids)
    const print = <T>(value: T, human: (v: T) => void) =>
      values.json ? out(JSON.stringify(value, null, 2)) : human(value)
    switch (command) {
      case 'validate': {
        const r = await validateSync(payload, common)
        bar?.end()
        print(r, (v) => printValidate(out, v))
        code = r.inSync ? 0 : 1
        break
      }
      case 'sync': {
        const r = await syncDocuments(payload, { ...common, force: values.force })
        bar?.end()
        print(r, (v) => printSync(out, v))
        code = r.failed.length || r.guard ? 1 : 0
        break
      }
      case 'reset': {
        if (!values.yes) {
          // A refusal, not a result: stderr (stdout stays JSON under --json).
          process.stderr.write(
            'supabase-sync: reset rewrites every row of the table from Payload, then deletes the rows without documents: run again with --yes\n',
          )
          break
        }
        const r = await resetTable(payload, { ...common, confirm: true, force: values.force })
        bar?.end()
        print(r, (v) => printSync(out, v.sync))
        code = r.sync.failed.length ? 1 : 0
        break
      }
      case 'pull': {
        const r = await pullFromSupabase(payload, { ...common, force: values.force })
        bar?.end()
        print(r, (v) => printPull(out, v))
        code = stop.signal.aborted ? 130 : r.failed.length ? 1 : 0
        break
      }
      case 'status': {
        const r = await syncStatus(payload)
        print(r, (v) => printStatus(out, v))
        code = r.supabase.reachable && r.jobs.failed === 0 && !r.paused ? 0 : 1
        break
      }
      case 'doctor': {
        const r = await doctor(payload)
        print(r, (v) => printDoctor(out, v))
        code = r.ok ? 0 : 1
        break
      }
      case 'sql': {
        const runtime = getRuntime(payload)
        const collections = [...runtime.collections.values()].filter(
          (c) => !values.collection || c.slug === values.collection,
        )
        const sql = await projectSql(collections, {
          realtime: (c) => c.watch !== false,
          writeMode: runtime.options.writeMode,
        })
        if (values.out) {
          const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
          const file = path.join(values.out, `${stamp}_supabase_sync.sql`)
          await fs.mkdir(values.out, { recursive: true })
          await fs.writeFile(file, sql)
          out(`wrote ${file}`)
        } else out(sql)
        code = 0
        break
      }
    }
  } catch (error) {
    process.stderr.write(
      `\nsupabase-sync: ${describeCause(error).replace(/^supabase-sync: /, '')}\n`,
    )
    // A wrong argument: what the command takes, under the error (stderr: stdout stays for results).
    if (error instanceof InputError && !payload) process.stderr.write(`${usage}\n`)
    code = error instanceof CancelledError ? 130 : 2
  }
  await payload?.destroy().catch(() => {})
  process.exit(code)
}

/** `--collection` names a synced collection (for `sql`, `status` and `doctor` too, which would print nothing of it). */
function checkCollection(payload: Awaited<ReturnType<typeof getPayload>>, slug: string): void {
  const synced = [...getRuntime(payload).collections.keys()]
  if (!synced.includes(slug))
    throw new InputError(
      `--collection ${slug}: not a synced collection (synced: ${synced.join(', ')})`,
      'collection',
    )
}

/** The `--id` values as the endpoints would take them; an InputError naming the bad one. */
function checkIds(
  payload: Awaited<ReturnType<typeof getPayload>>,
  collection: string | undefined,
  ids: string[],
): string[] | undefined {
  try {
    // As the endpoints take them (a uuid in lower case, as PostgreSQL writes it).
    return parseInput(
      getRuntime(payload),
      undefined,
      { ...(collection ? { collection } : {}), ids },
      {},
    ).ids
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    throw new InputError(
      error.message
        .replace(/^Bad Request: parameter "ids\.(\d+)"/, (_, i: string) => `--id ${ids[Number(i)]}`)
        .replace(/^Bad Request: parameter "collection"/, '--collection'),
      'id',
    )
  }
}
