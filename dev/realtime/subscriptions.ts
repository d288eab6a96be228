/**
 * Who may subscribe to which changes: the subscribe-time half of the stand-in's port of Supabase
 * Realtime's `postgres_cdc_rls` extension (who sees each change is apply-rls.ts).
 *
 * `createSubscriptions` is `Subscriptions.create/5` (lib/extensions/postgres_cdc_rls/subscriptions.ex)
 * plus the `realtime.subscription_check_filters` trigger (priv/repo/tenant_schema/realtime/functions/
 * subscription_check_filters.sql): an entry subscribes only if `pg_publication_tables` has a table
 * matching its schema and table (LIKE, `*` for any); all entries of a join succeed or none does; a
 * filter or select column must exist and be readable by the role, a filter value must be valid for
 * the column's type; the role must exist.
 */
import type pg from 'pg'
import { paramsToLog, type SubscriptionParams } from './params.js'

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
