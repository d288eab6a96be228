/**
 * `doctor`: is this Supabase project set up for the sync? Every check says what it found and, when it
 * fails, the exact fix — the SQL to run or the variable to set. Read-only.
 */
import type { Payload } from 'payload'
import { getRuntime } from '../lifecycle/registry.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { expectedColumns } from '../mapping/columns.js'
import { columnChecks } from './column-check.js'
import { idKind } from './id-kind.js'
import { primaryKeyCheck } from './primary-key-check.js'
import { inspectTable, type TableReport } from '../supabase/inspect.js'
import { keyOrderCheck } from './key-order.js'
import { applyVersionCheck, uniquesCheck } from './unique-check.js'
import { maxRowsCheck } from './max-rows-check.js'
import { markForeignCheck } from './mark-foreign-check.js'
import { statementTimeoutCheck } from './timeout-check.js'
import { projectRef, readKey } from '../supabase/keys.js'
import { platformRefusal } from '../supabase/classify.js'
import type { SyncedCollection } from '../synced.js'
import { functionMissing, type Check } from './check.js'
import { realtimeSql, securitySql, tableSql } from './schema-sql.js'

export type { Check } from './check.js'

export interface DoctorResult {
  ok: boolean
  checks: Check[]
}

const sqlFix = (sql: string) =>
  `run in the Supabase SQL editor (or \`npx payload supabase-sync sql\`):\n${sql}`

function keyChecks(runtime: SyncRuntime): Check[] {
  const supabase = runtime.options.supabase
  if (!supabase || !('serviceRoleKey' in supabase))
    return [
      {
        name: 'service-role key',
        ok: true,
        detail: 'a supabase-js client was passed: its key is not checked',
        skipped: true,
      },
    ]
  const claims = readKey(supabase.serviceRoleKey)
  const fix =
    'set SUPABASE_SERVICE_ROLE_KEY to the service_role key of this project (Dashboard → Project Settings → API keys)'
  if (claims.kind === 'anon')
    return [
      {
        name: 'service-role key',
        ok: false,
        detail: 'this is the anon (public) key, not the service-role key',
        fix,
      },
    ]
  if (claims.kind !== 'service_role')
    return [
      {
        name: 'service-role key',
        ok: false,
        detail: `this key is not a service-role key (${claims.kind})`,
        fix,
      },
    ]
  if (claims.expiresAt !== undefined && claims.expiresAt < Date.now()) {
    return [
      {
        name: 'service-role key',
        ok: false,
        detail: `the key expired on ${new Date(claims.expiresAt).toISOString()}`,
        fix,
      },
    ]
  }
  const ref = projectRef(supabase.url)
  if (ref && claims.ref && claims.ref !== ref) {
    return [
      {
        name: 'service-role key',
        ok: false,
        detail: `the key is for project "${claims.ref}", the URL for "${ref}"`,
        fix,
      },
    ]
  }
  return [
    {
      name: 'service-role key',
      ok: true,
      detail: `role service_role${claims.expiresAt ? `, valid until ${new Date(claims.expiresAt).toISOString().slice(0, 10)}` : ''}`,
    },
  ]
}

async function collectionChecks(
  runtime: SyncRuntime,
  collection: SyncedCollection,
  report: TableReport,
): Promise<Check[]> {
  const { table, primaryKey, versionColumn } = collection.spec
  const name = (what: string) => `${collection.slug} → ${table}: ${what}`
  const expected = expectedColumns(collection.mapper, versionColumn)
  if (!report.exists)
    return Array.isArray(expected)
      ? [
          {
            name: name('table'),
            ok: false,
            detail: `public.${table} does not exist`,
            fix: sqlFix(await tableSql(collection)),
          },
        ]
      : [
          { name: name('table'), ok: false, detail: `public.${table} does not exist` },
          ...columnChecks(name, { name: table, primaryKey }, expected, new Map(), sqlFix),
        ]
  const checks: Check[] = [{ name: name('table'), ok: true, detail: `public.${table} exists` }]
  const actual = new Map((report.columns ?? []).map((c) => [c.name, c]))
  checks.push(...columnChecks(name, { name: table, primaryKey }, expected, actual, sqlFix))
  const keyCheck = primaryKeyCheck(
    { name: table, primaryKey },
    idKind(runtime.payload, collection.slug),
    report,
    sqlFix,
  )
  checks.push({ name: name('primary key'), ...keyCheck })
  const order = keyCheck.ok
    ? await keyOrderCheck(runtime.db, collection.slug, report, {
        name: table,
        primaryKey,
        keyType: actual.get(primaryKey)!.type,
      })
    : undefined
  if (order) checks.push({ name: name('key order'), ...order })
  if (runtime.options.writeMode === 'rpc') {
    const outdated = report.applyFunction ? applyVersionCheck(report) : undefined
    checks.push(
      outdated
        ? { name: name('apply function'), ...outdated }
        : report.applyFunction
          ? {
              name: name('apply function'),
              ok: true,
              detail: 'supabase_sync_apply is installed and executable by service_role',
            }
          : {
              name: name('apply function'),
              ok: false,
              detail:
                report.applyFunction === null
                  ? 'supabase_sync_apply is not installed'
                  : 'supabase_sync_apply is not executable by service_role',
              fix: `${sqlFix('-- the contents of sql/002_sync_apply.sql')}\n(or set writeMode: 'upsert', without the stale-write guard)`,
            },
    )
    if (versionColumn !== false)
      checks.push({
        name: name('direct edits'),
        ...markForeignCheck(table, versionColumn, report, sqlFix),
      })
  }
  const anonReads = report.anonSelect === true && (!report.rls || (report.anonPolicies ?? 0) > 0)
  checks.push(
    report.rls && !anonReads
      ? { name: name('row level security'), ok: true, detail: 'RLS is on; anon cannot read' }
      : {
          name: name('row level security'),
          ok: false,
          detail: report.rls
            ? 'RLS is on, but a policy lets anon read'
            : 'RLS is off: with a grant, anon and authenticated can read the table',
          fix: sqlFix(securitySql(table)),
        },
  )
  if (collection.watch !== false) {
    checks.push(
      report.realtime
        ? {
            name: name('realtime'),
            ok: true,
            detail: 'the table is in the supabase_realtime publication',
          }
        : {
            name: name('realtime'),
            ok: false,
            detail: `realtime is on for ${collection.slug}, but the table is not in the supabase_realtime publication: no changes stream (the scheduled checks still find them)`,
            fix: sqlFix(realtimeSql(table)),
          },
    )
  }
  checks.push({ name: name('unique values'), ...uniquesCheck(table, report) })
  if (report.serviceRoleWrite === false) {
    checks.push({
      name: name('service role'),
      ok: false,
      detail: 'service_role may not write the table',
      fix: sqlFix(
        `grant select, insert, update, delete on table public."${table}" to service_role;`,
      ),
    })
  }
  return checks
}

export async function doctor(payload: Payload): Promise<DoctorResult> {
  const runtime = getRuntime(payload)
  const checks: Check[] = [
    { name: 'environment', ok: true, detail: 'the Supabase URL and key are set' },
    ...keyChecks(runtime),
  ]
  const first = runtime.collections.values().next().value as SyncedCollection | undefined
  const unreachable = first ? await runtime.target.probe(first.spec) : null
  if (unreachable && unreachable.kind !== 'endpoint') {
    checks.push({
      name: 'reachable',
      ok: false,
      detail: unreachable.message,
      fix: 'check SUPABASE_URL (https://<project>.supabase.co) and the network',
    })
    return { ok: false, checks }
  }
  if (unreachable?.status === 401) {
    checks.push({
      name: 'reachable',
      ok: false,
      detail: 'Supabase answers, but refuses the key (401): not a key of this project, or rotated',
      fix: 'set SUPABASE_SERVICE_ROLE_KEY to the service_role key of this project',
    })
    return { ok: false, checks }
  }
  const refusal = unreachable && platformRefusal(unreachable.status ?? 0, unreachable.code)
  if (unreachable && refusal) {
    checks.push({ name: 'reachable', ok: false, detail: unreachable.message, fix: refusal })
    return { ok: false, checks }
  }
  checks.push({
    name: 'reachable',
    ok: true,
    detail: `${runtime.options.supabase && 'url' in runtime.options.supabase ? runtime.options.supabase.url : 'the client'} answers`,
  })
  checks.push({
    name: 'max-rows',
    ...(await maxRowsCheck(runtime.target.client, runtime.options.maxRows)),
  })
  // The statement timeout is the requests' (the same in every report): one check, after max-rows.
  let firstReport: TableReport | undefined
  const tables: Check[] = []
  for (const collection of runtime.collections.values()) {
    const report = await inspectTable(runtime.target, collection.spec)
    if (report instanceof Error) {
      const missing = functionMissing(report.status, report.code)
      tables.push({
        name: 'inspect function',
        ok: false,
        detail: missing
          ? 'supabase_sync_inspect is not installed: the tables cannot be checked'
          : report.message,
        fix: sqlFix('-- the contents of sql/003_sync_inspect.sql'),
      })
      break
    }
    firstReport ??= report
    tables.push(...(await collectionChecks(runtime, collection, report)))
  }
  if (firstReport)
    checks.push({
      name: 'statement timeout',
      ...statementTimeoutCheck(
        runtime.options.timeoutMs,
        firstReport.statementTimeoutMs,
        runtime.options.writeMode,
      ),
    })
  checks.push(...tables)
  // Warnings pass (ok): they are printed with their fix, and doctor still exits 0.
  return { ok: checks.every((c) => c.ok || c.skipped), checks }
}
