/**
 * Whether a subscription sees a change: the two checks of Supabase Realtime's `realtime.apply_rls`
 * (priv/repo/tenant_schema/realtime/functions/apply_rls.sql) that apply-rls.ts runs per change — the
 * filters (`is_visible_through_filters`, `check_equality_op`), and RLS by re-reading the row by its
 * primary key as the role with the subscriber's claims (INSERT and UPDATE on tables with RLS
 * enabled; DELETE is never checked).
 */
import type pg from 'pg'
import type { RowChange, TextRow } from './replication.js'
import type { Subscription } from './subscriptions.js'

export interface ColumnInfo {
  name: string
  /** format_type(atttypid, NULL): what `col_type::text` gives, usable in a cast. */
  sqlType: string
  /** pg_type.typname (`int4`, `_text`, `timestamptz`): what `columns[].type` carries. */
  typname: string
  pk: boolean
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * `is_visible_through_filters` for every filtered subscription, in one query: a filter whose column
 * is not in the row fails; a comparison with NULL fails (except `is`).
 */
export async function visibleThroughFilters(
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
export async function visibleThroughRls(
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
