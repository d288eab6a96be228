/**
 * Who gets which change, and in what shape: `realtime.apply_rls` of Supabase Realtime's
 * `postgres_cdc_rls` extension (priv/repo/tenant_schema/realtime/functions/apply_rls.sql) with
 * `Replications.list_changes/5`' column defaults (replications.ex) and `ReplicationPoller.generate_record`
 * (replication_poller.ex): per role, `Error 400: Bad Request, no primary key` / `Error 401: Unauthorized`
 * when the table has no primary key / the role cannot read it (INSERT and UPDATE); the filters and RLS
 * (visibility.ts; DELETE is never checked for RLS and then carries only the primary key); column
 * privileges and `select` on `columns`, `record`, `old_record`; values as `to_jsonb` renders them
 * (`realtime.cast`), bytea as hex without `\x` (wal2json); `commit_timestamp` as
 * `YYYY-MM-DDTHH24:MI:SS.MSZ`; a change over `max_record_bytes` gets `Error 413: Payload Too Large`
 * and loses its values over 64 bytes. Who may subscribe at all is subscriptions.ts.
 */
import type pg from 'pg'
import type { RowChange, TextRow } from './replication.js'
import type { Subscription } from './subscriptions.js'
import {
  quoteIdent,
  visibleThroughFilters,
  visibleThroughRls,
  type ColumnInfo,
} from './visibility.js'

/** One message to send: the subscriptions (of one role and `select`) that see it, and its `data`. */
export interface Delivery {
  subscriptions: Subscription[]
  data: Record<string, unknown>
}

const JSON_TYPES = new Set([114, 3802]) // json, jsonb

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

/**
 * About `octet_length(wal::text)`, the size apply_rls compares with `max_record_bytes`: the change as
 * wal2json hands it over (its columns and identity with names, types and values as text).
 */
function walBytes(change: RowChange): number {
  const columns = (row: TextRow | null) =>
    Object.entries(row ?? {}).map(([name, value]) => ({ name, type: '', value }))
  return Buffer.byteLength(
    JSON.stringify({
      action: change.action[0],
      schema: change.relation.schema,
      table: change.relation.table,
      columns: columns(change.record),
      identity: columns(change.identity),
    }),
  )
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
 * The messages a change produces for the given subscriptions (those whose schema, table, event
 * and start LSN already match): `realtime.apply_rls` for each role, fanned out per `select`.
 */
export async function applyRls(
  pool: pg.Pool,
  change: RowChange,
  subscriptions: Subscription[],
  maxRecordBytes = 1024 * 1024,
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
  const tooLarge = walBytes(change) > maxRecordBytes
  // apply_rls: `not error_record_exceeds_max_size or octet_length((c).value::text) <= 64`.
  const fits = (value: unknown): boolean =>
    !tooLarge || Buffer.byteLength(JSON.stringify(value ?? null)) <= 64

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
        errors: tooLarge ? ['Error 413: Payload Too Large'] : null,
      }
      if (change.action !== 'INSERT') {
        const old: Record<string, unknown> = {}
        for (const name of identityNames) {
          if (!selectable(name) || !wanted(name)) continue
          if (change.action === 'DELETE' && described.rls && !byName.get(name)?.pk) continue
          const value = jsonValue(described.identity, byName.get(name), name)
          if (fits(value)) old[name] = value
        }
        data.old_record = old
      }
      if (change.action !== 'DELETE') {
        const record: Record<string, unknown> = {}
        for (const name of recordNames) {
          const value = jsonValue(described.record, byName.get(name), name)
          if (selectable(name) && wanted(name) && fits(value)) record[name] = value
        }
        // An unchanged TOASTed value missing from the new row comes from the old identity.
        for (const name of identityNames) {
          if (name in record || recordNames.includes(name)) continue
          const value = jsonValue(described.identity, byName.get(name), name)
          if (selectable(name) && wanted(name) && fits(value)) record[name] = value
        }
        data.record = record
      }
      deliveries.push({ subscriptions: seeing, data: { ...data, ...base } })
    }
  }
  return deliveries
}
