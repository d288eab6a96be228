/**
 * Who gets which change, and in what shape: the stand-in's port of Supabase Realtime's
 * `postgres_cdc_rls` extension.
 *
 * - `createSubscriptions` is `Subscriptions.create/5` (lib/extensions/postgres_cdc_rls/subscriptions.ex)
 *   plus the `realtime.subscription_check_filters` trigger (priv/repo/tenant_schema/realtime/functions/
 *   subscription_check_filters.sql): an entry subscribes only if `pg_publication_tables` has a table
 *   matching its schema and table (LIKE, `*` for any); all entries of a join succeed or none does; a
 *   filter or select column must exist and be readable by the role, a filter value must be valid for
 *   the column's type; the role must exist.
 * - `applyRls` is `realtime.apply_rls` (priv/repo/tenant_schema/realtime/functions/apply_rls.sql) with
 *   `Replications.list_changes/5`' column defaults (replications.ex) and `ReplicationPoller.generate_record`
 *   (replication_poller.ex): per role, `Error 400: Bad Request, no primary key` / `Error 401: Unauthorized`
 *   when the table has no primary key / the role cannot read it (INSERT and UPDATE); the filters
 *   (`is_visible_through_filters`, `check_equality_op`); RLS by re-reading the row by its primary key as
 *   the role with the subscriber's claims (INSERT and UPDATE on tables with RLS enabled; DELETE is never
 *   checked and then carries only the primary key); column privileges and `select` on `columns`,
 *   `record`, `old_record`; values as `to_jsonb` renders them (`realtime.cast`), bytea as hex without
 *   `\x` (wal2json); `commit_timestamp` as `YYYY-MM-DDTHH24:MI:SS.MSZ`.
 */
import type pg from 'pg'
import { paramsToLog, type SubscriptionParams } from './params.js'
import type { RowChange, TextRow } from './replication.js'

export interface Subscription {
  /** The number the join reply and the messages carry (equal entries share it, as on Supabase). */
  id: number
  params: SubscriptionParams
  role: string
  claims: Record<string, unknown>
  /** Changes committed at or after this LSN are delivered (the WAL insert position at subscribe time). */
  fromLsn: bigint
}

export type CreateResult = { ok: true; fromLsn: bigint } | { ok: false; message: string }

const PG_ERROR_NAMES: Record<string, string> = {
  P0001: 'raise_exception',
  '22P02': 'invalid_text_representation',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22003': 'numeric_value_out_of_range',
  '22001': 'string_data_right_truncation',
  '22023': 'invalid_parameter_value',
  '2201B': 'invalid_regular_expression',
  '42704': 'undefined_object',
  '42P01': 'undefined_table',
  '42883': 'undefined_function',
}

/** How Postgrex prints a PostgreSQL error (`ERROR 22P02 (invalid_text_representation) …`). */
function postgrexMessage(error: unknown): string {
  const e = error as { code?: string; message?: string }
  if (!e?.code) return String(e?.message ?? error)
  return `ERROR ${e.code} (${PG_ERROR_NAMES[e.code] ?? e.code.toLowerCase()}) ${e.message}`
}

class SubscriptionError extends Error {}

/** A PL/pgSQL `raise exception` as the trigger would: SQLSTATE P0001. */
function raise(message: string): never {
  throw Object.assign(new SubscriptionError(message), { code: 'P0001' })
}

interface ColumnInfo {
  name: string
  /** format_type(atttypid, NULL): what `col_type::text` gives, usable in a cast. */
  sqlType: string
  /** pg_type.typname (`int4`, `_text`, `timestamptz`): what `columns[].type` carries. */
  typname: string
  pk: boolean
}

/**
 * Checks and registers a join's postgres_changes entries, all or none (`Subscriptions.create/5` runs
 * them in one transaction). On success, the LSN from which the subscriptions see changes.
 */
export async function createSubscriptions(
  pool: pg.Pool,
  publication: string,
  entries: SubscriptionParams[],
  role: string,
): Promise<CreateResult> {
  const client = await pool.connect()
  try {
    for (const params of entries) {
      try {
        await client.query('select $1::text::regrole', [role])
        const { rows: tables } = await client.query<{ oid: number }>(
          `select format('%I.%I', schemaname, tablename)::regclass::oid as oid
             from pg_publication_tables
            where pubname = $1
              and schemaname like (case $2 when '*' then '%' else $2 end) escape ''
              and tablename like (case $3 when '*' then '%' else $3 end) escape ''`,
          [publication, params.schema, params.table],
        )
        if (tables.length === 0) {
          return {
            ok: false,
            message: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${paramsToLog(params)}]`,
          }
        }
        for (const { oid } of tables) await checkFilters(client, oid, params, role)
      } catch (error) {
        return {
          ok: false,
          message: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [${paramsToLog(params)}]. Exception: ${postgrexMessage(error)}`,
        }
      }
    }
    const { rows } = await client.query<{ lsn: string }>(
      'select pg_current_wal_insert_lsn()::text as lsn',
    )
    const [hi, lo] = rows[0].lsn.split('/')
    return { ok: true, fromLsn: (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`) }
  } finally {
    client.release()
  }
}

/** `realtime.subscription_check_filters()`, for one table an entry matched. */
async function checkFilters(
  client: pg.PoolClient,
  relid: number,
  params: SubscriptionParams,
  role: string,
): Promise<void> {
  if (params.filters.length === 0 && !params.select) return
  const { rows: readable } = await client.query<{ name: string; sqltype: string }>(
    `select a.attname as name, format_type(a.atttypid, null) as sqltype
       from pg_attribute a
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
        and has_column_privilege($2, a.attrelid, a.attnum, 'SELECT')
      order by a.attnum`,
    [relid, role],
  )
  const types = new Map(readable.map((c) => [c.name, c.sqltype]))
  for (const f of params.filters) {
    const type = types.get(f.column)
    if (type === undefined) raise(`invalid column for filter ${f.column}`)
    if (f.op === 'in') {
      const { rows } = await client.query<{ n: number | null }>(
        `select cardinality($1::text::${type}[]) as n`,
        [f.value],
      )
      if ((rows[0].n ?? 0) > 100) raise('too many values for `in` filter. Maximum 100')
    } else if (f.op === 'is') {
      if (!['null', 'true', 'false', 'unknown'].includes(f.value)) {
        raise('invalid value for is filter: must be null, true, false, or unknown')
      }
      if (f.value !== 'null' && type !== 'boolean') {
        raise(`is ${f.value} filter requires a boolean column, got ${type}`)
      }
    } else if (f.op === 'like' || f.op === 'ilike' || f.op === 'match' || f.op === 'imatch') {
      const operator = f.op === 'like' || f.op === 'ilike' ? '~~' : f.op === 'imatch' ? '~*' : '~'
      const { rowCount } = await client.query(
        `select 1 from pg_operator where oprname = $1 and oprleft = $2::regtype`,
        [operator, type],
      )
      if (!rowCount) {
        raise(`operator ${f.op} requires a text-compatible column type, got ${type}`)
      }
      if (f.op === 'match' || f.op === 'imatch') {
        try {
          await client.query(`select '' ~ $1`, [f.value])
        } catch (error) {
          raise(`invalid regular expression for ${f.op} filter: ${(error as Error).message}`)
        }
      }
    } else if (f.op !== 'isdistinct') {
      await client.query(`select $1::text::${type}`, [f.value])
    }
  }
  for (const column of params.select ?? []) {
    if (!types.has(column)) raise(`invalid column for select ${column}`)
  }
}

/** One message to send: the subscriptions (of one role and `select`) that see it, and its `data`. */
export interface Delivery {
  subscriptions: Subscription[]
  data: Record<string, unknown>
}

const JSON_TYPES = new Set([114, 3802]) // json, jsonb

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** wal2json's `timestamp` through `to_char(… at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`. */
export function commitTimestamp(us: bigint): string {
  return new Date(Number(us / 1000n)).toISOString()
}

interface Described {
  rls: boolean
  columns: (ColumnInfo & { selectable: boolean[] })[]
  record: Record<string, unknown> | null
  identity: Record<string, unknown> | null
}

/** A text row as jsonb_populate_record input: json/jsonb values must be JSON, not strings. */
function populateInput(change: RowChange, row: TextRow | null): string | null {
  if (!row) return null
  const out: Record<string, unknown> = {}
  for (const c of change.relation.columns) {
    const v = row[c.name]
    if (v === undefined) continue
    if (v !== null && JSON_TYPES.has(c.typeOid)) {
      try {
        out[c.name] = JSON.parse(v)
        continue
      } catch {}
    }
    out[c.name] = v
  }
  return JSON.stringify(out)
}

async function describe(pool: pg.Pool, change: RowChange, roles: string[]): Promise<Described> {
  const table = `${quoteIdent(change.relation.schema)}.${quoteIdent(change.relation.table)}`
  const { rows } = await pool.query<{
    rls: boolean
    columns: (ColumnInfo & { selectable: boolean[] })[]
    record: Record<string, unknown> | null
    identity: Record<string, unknown> | null
  }>(
    `select c.relrowsecurity as rls,
            (select coalesce(json_agg(json_build_object(
                      'name', a.attname,
                      'typname', t.typname,
                      'sqlType', format_type(a.atttypid, null),
                      'pk', exists (select 1 from pg_constraint k
                                     where k.conrelid = a.attrelid and k.contype = 'p'
                                       and a.attnum = any (k.conkey)),
                      'selectable', (select coalesce(json_agg(has_column_privilege(r, a.attrelid, a.attnum, 'SELECT')
                                                              order by o), '[]'::json)
                                       from unnest($2::text[]) with ordinality as u(r, o))
                    ) order by a.attnum), '[]'::json)
               from pg_attribute a join pg_type t on t.oid = a.atttypid
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
            (select to_jsonb(r) from jsonb_populate_record(null::${table}, $3::jsonb) r where $3 is not null) as record,
            (select to_jsonb(r) from jsonb_populate_record(null::${table}, $4::jsonb) r where $4 is not null) as identity
       from pg_class c
      where c.oid = $1`,
    [
      change.relation.oid,
      roles,
      populateInput(change, change.record),
      populateInput(change, change.identity),
    ],
  )
  if (!rows[0]) throw new Error(`relation ${table} (oid ${change.relation.oid}) no longer exists`)
  return rows[0]
}

/** to_jsonb's value of a column, bytea as wal2json prints it (hex without `\x`). */
function jsonValue(
  rendered: Record<string, unknown> | null,
  column: ColumnInfo | undefined,
  name: string,
): unknown {
  const v = rendered?.[name] ?? null
  if (column?.typname === 'bytea' && typeof v === 'string' && v.startsWith('\\x')) return v.slice(2)
  return v
}

/**
 * `is_visible_through_filters` for every filtered subscription, in one query: a filter whose column
 * is not in the row fails; a comparison with NULL fails (except `is`).
 */
async function visibleThroughFilters(
  pool: pg.Pool,
  change: RowChange,
  subscriptions: Subscription[],
  columns: Map<string, ColumnInfo>,
): Promise<Set<Subscription>> {
  const visible = new Set<Subscription>()
  const exprs: string[] = []
  const values: unknown[] = []
  // For each subscription, for each row to try (DELETE: the old identity; else the new row): the
  // indexes of its checks in `exprs`, or null when a filter column is missing from that row.
  const plans = new Map<Subscription, (number[] | null)[]>()
  const param = (v: unknown): string => {
    values.push(v)
    return `$${values.length}`
  }
  // INSERT/UPDATE: the new row; DELETE: its row carries no columns, so only the old identity counts.
  const rows: TextRow[] =
    change.action === 'DELETE' ? [change.identity ?? {}] : [change.record ?? {}]
  for (const sub of subscriptions) {
    if (sub.params.filters.length === 0) {
      visible.add(sub)
      continue
    }
    const tries: (number[] | null)[] = []
    for (const row of rows) {
      const idx: number[] = []
      let missing = false
      for (const f of sub.params.filters) {
        const col = columns.get(f.column)
        if (!(f.column in row) || row[f.column] === undefined || !col) {
          missing = true
          break
        }
        exprs.push(
          filterSql(col.sqlType, f.op, f.negate, param(row[f.column]), {
            raw: f.value,
            param: () => param(f.value),
          }),
        )
        idx.push(exprs.length - 1)
      }
      tries.push(missing ? null : idx)
    }
    plans.set(sub, tries)
  }
  if (plans.size === 0) return visible
  let results: boolean[] = []
  if (exprs.length) {
    const { rows: out } = await pool.query<{ r: boolean[] }>(
      `select array[${exprs.join(', ')}]::boolean[] as r`,
      values,
    )
    results = out[0].r
  }
  for (const [sub, tries] of plans) {
    if (tries.some((idx) => idx !== null && idx.every((i) => results[i] === true))) visible.add(sub)
  }
  return visible
}

/** `realtime.check_equality_op(op, type, val_1, val_2, negate)`, NULL as false. */
function filterSql(
  type: string,
  op: string,
  negate: boolean,
  left: string,
  right: { raw: string; param(): string },
): string {
  const l = `(${left}::text)::${type}`
  let expr: string
  switch (op) {
    case 'isdistinct':
      expr = `${l} ${negate ? 'is not distinct from' : 'is distinct from'} (${right.param()}::text)::${type}`
      return `coalesce(${expr}, false)`
    case 'is': {
      // The keyword (null, true, false, unknown) was checked at subscribe time: never a parameter.
      const keyword = right.raw
      if (!['null', 'true', 'false', 'unknown'].includes(keyword)) return 'false'
      const is = negate ? 'is not' : 'is'
      return keyword === 'null'
        ? `coalesce(${l} ${is} null, false)`
        : `coalesce(${l} ${is} ${keyword}, false)`
    }
    case 'in':
      expr = `${l} = any ((${right.param()}::text)::${type}[])`
      break
    default: {
      const symbol = {
        eq: '=',
        neq: '!=',
        lt: '<',
        lte: '<=',
        gt: '>',
        gte: '>=',
        like: 'like',
        ilike: 'ilike',
        match: '~',
        imatch: '~*',
      }[op]
      expr = `${l} ${symbol} ((${right.param()}::text)::${type})`
    }
  }
  return `coalesce(${negate ? `not (${expr})` : expr}, false)`
}

/**
 * The RLS check of apply_rls (`build_prepared_statement_sql`): does the row, found by its primary
 * key, exist for this role and these claims? Run in a read-only transaction as the role.
 */
async function visibleThroughRls(
  pool: pg.Pool,
  change: RowChange,
  role: string,
  claims: Record<string, unknown>,
  pkColumns: ColumnInfo[],
): Promise<boolean> {
  const table = `${quoteIdent(change.relation.schema)}.${quoteIdent(change.relation.table)}`
  const row = change.record ?? {}
  const where = pkColumns
    .map((c, i) => `${quoteIdent(c.name)} = ($${i + 1}::text)::${c.sqlType}`)
    .join(' and ')
  const client = await pool.connect()
  try {
    await client.query('begin read only')
    await client.query(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`,
      [role, JSON.stringify(claims)],
    )
    const { rows } = await client.query<{ ok: boolean }>(
      `select exists (select 1 from ${table} where ${where}) as ok`,
      pkColumns.map((c) => row[c.name] ?? null),
    )
    return rows[0].ok
  } catch {
    // The role cannot read the table at all (or the row's key no longer parses): not visible.
    return false
  } finally {
    await client.query('rollback').catch(() => {})
    client.release()
  }
}

/**
 * The messages a change produces for the given subscriptions (those whose schema, table, event
 * and start LSN already match): `realtime.apply_rls` for each role, fanned out per `select`.
 */
export async function applyRls(
  pool: pg.Pool,
  change: RowChange,
  subscriptions: Subscription[],
): Promise<Delivery[]> {
  const roles = [...new Set(subscriptions.map((s) => s.role))].sort()
  const described = await describe(pool, change, roles)
  const byName = new Map(described.columns.map((c) => [c.name, c]))
  const deliveries: Delivery[] = []
  const base = { schema: change.relation.schema, table: change.relation.table, type: change.action }
  const recordNames = Object.keys(change.record ?? {}).filter(
    (k) => change.record?.[k] !== undefined,
  )
  const identityNames = Object.keys(change.identity ?? {})
  const filtered = await visibleThroughFilters(pool, change, subscriptions, byName)

  for (const [ri, role] of roles.entries()) {
    const roleSubs = subscriptions.filter((s) => s.role === role)
    const selectable = (name: string): boolean => byName.get(name)?.selectable[ri] ?? false
    const groups = new Map<string, Subscription[]>()
    for (const s of roleSubs) {
      const key = s.params.select ? [...s.params.select].sort().join(',') : ''
      groups.set(key, [...(groups.get(key) ?? []), s])
    }
    const changePk = recordNames.filter((n) => byName.get(n)?.pk)
    const errorData = (message: string): Record<string, unknown> => ({
      columns: [],
      commit_timestamp: null,
      errors: [message],
      ...(change.action !== 'INSERT' ? { old_record: {} } : {}),
      ...(change.action !== 'DELETE' ? { record: {} } : {}),
      ...base,
    })
    if (change.action !== 'DELETE' && changePk.length === 0) {
      for (const subs of groups.values()) {
        deliveries.push({
          subscriptions: subs,
          data: errorData('Error 400: Bad Request, no primary key'),
        })
      }
      continue
    }
    if (change.action !== 'DELETE' && !changePk.every(selectable)) {
      for (const subs of groups.values()) {
        deliveries.push({ subscriptions: subs, data: errorData('Error 401: Unauthorized') })
      }
      continue
    }
    let visible = roleSubs.filter((s) => filtered.has(s))
    if (described.rls && change.action !== 'DELETE' && visible.length) {
      const pkCols = changePk.map((n) => byName.get(n)!)
      const byClaims = new Map<string, boolean>()
      const kept: Subscription[] = []
      for (const s of visible) {
        const key = JSON.stringify(s.claims)
        if (!byClaims.has(key)) {
          byClaims.set(key, await visibleThroughRls(pool, change, role, s.claims, pkCols))
        }
        if (byClaims.get(key)) kept.push(s)
      }
      visible = kept
    }
    for (const subs of groups.values()) {
      const seeing = subs.filter((s) => visible.includes(s))
      if (seeing.length === 0) continue
      const select = subs[0].params.select
      const wanted = (name: string): boolean =>
        !select || select.includes(name) || (byName.get(name)?.pk ?? false)
      const columns = described.columns
        .filter((c, _i) => c.selectable[ri] && wanted(c.name))
        .map((c) => ({ name: c.name, type: c.typname }))
      const data: Record<string, unknown> = {
        columns,
        commit_timestamp: commitTimestamp(change.commitTimeUs),
        errors: null,
      }
      if (change.action !== 'INSERT') {
        const old: Record<string, unknown> = {}
        for (const name of identityNames) {
          if (!selectable(name) || !wanted(name)) continue
          if (change.action === 'DELETE' && described.rls && !byName.get(name)?.pk) continue
          old[name] = jsonValue(described.identity, byName.get(name), name)
        }
        data.old_record = old
      }
      if (change.action !== 'DELETE') {
        const record: Record<string, unknown> = {}
        for (const name of recordNames) {
          if (selectable(name) && wanted(name)) {
            record[name] = jsonValue(described.record, byName.get(name), name)
          }
        }
        // An unchanged TOASTed value missing from the new row comes from the old identity.
        for (const name of identityNames) {
          if (name in record || recordNames.includes(name)) continue
          if (selectable(name) && wanted(name)) {
            record[name] = jsonValue(described.identity, byName.get(name), name)
          }
        }
        data.record = record
      }
      deliveries.push({ subscriptions: seeing, data: { ...data, ...base } })
    }
  }
  return deliveries
}
