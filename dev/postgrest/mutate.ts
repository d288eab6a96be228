/**
 * SQL for writes (INSERT, UPDATE, DELETE), modelled on PostgREST's Query/QueryBuilder.hs
 * (mutatePlanToQuery) and Query/Statements.hs (mainWrite); they return the same one-row result as
 * the reads in sql.ts. Writes are never cut by max-rows (Plan.treeRestrictRange skips them).
 */
import type { BodyMedia } from './media.js'
import type { Filter, SelectItem } from './query.js'
import type { Column, Table } from './schema.js'
import { bodySql, ident, type Params, qualified, selectListSql, whereSql } from './sql.js'

/**
 * `FROM (SELECT $1::json AS json_data) pgrst_payload, LATERAL (SELECT cols FROM json_to_recordset(...) AS _(col type, ...)) pgrst_body`
 * — the body parsed into typed columns (fromJsonBodyF). Keys missing from an object come out NULL;
 * with `missing=default` the column defaults are merged in first. Like PostgREST, the body is then
 * parsed as jsonb even when no column has a default, so duplicate keys collapse (the last wins).
 */
function jsonBodySource(
  body: string,
  isObject: boolean,
  columns: Column[],
  applyDefaults: boolean,
  params: Params,
): string {
  const placeholder = params.add(body)
  const withDefaults = applyDefaults
  let payload = `(SELECT ${placeholder}::${withDefaults ? 'jsonb' : 'json'} AS json_data) pgrst_payload`
  let data = 'pgrst_payload.json_data'
  if (withDefaults) {
    // Default expressions come from pg_catalog (pg_get_expr), not from the request.
    const defaults = `jsonb_build_object(${columns
      .filter((c) => c.default !== null)
      .map((c) => `'${c.name.replace(/'/g, "''")}', ${c.default}`)
      .join(', ')})`
    payload += isObject
      ? `, LATERAL (SELECT ${defaults} || pgrst_payload.json_data AS val) pgrst_json_defs`
      : `, LATERAL (SELECT jsonb_agg(${defaults} || elem) AS val FROM jsonb_array_elements(pgrst_payload.json_data) elem) pgrst_json_defs`
    data = 'pgrst_json_defs.val'
  }
  const prefix = withDefaults ? 'jsonb' : 'json'
  let rows: string
  if (columns.length === 0) {
    // `{}` is one row with no column; `[{}, {}]` is as many rows.
    rows = isObject
      ? `LATERAL (SELECT FROM (VALUES (1)) _) pgrst_body`
      : `LATERAL (SELECT FROM ${prefix}_array_elements(${data}) _) pgrst_body`
  } else {
    const names = columns.map((c) => ident(c.name)).join(', ')
    const typed = columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')
    const fn = isObject ? `${prefix}_to_record` : `${prefix}_to_recordset`
    rows = `LATERAL (SELECT ${names} FROM ${fn}(${data}) AS _(${typed})) pgrst_body`
  }
  return `${payload}, ${rows}`
}

export interface MutationOutput {
  /** Columns to return (already expanded from `*`), or none for `return=minimal`. */
  select: SelectItem[]
  table: Table
  media?: BodyMedia
}

/** The columns a mutation hands back: the requested ones, or a constant to count the rows by. */
function returningList(out: MutationOutput): string {
  const tableQ = qualified(out.table.schema, out.table.name)
  const returned = [...new Set(out.select.map((s) => s.column))].map((c) => `${tableQ}.${ident(c)}`)
  if (returned.length === 0) returned.push('1 AS pgrst_one')
  return returned.join(', ')
}

const INSERTED_SETTING = `nullif(current_setting('pgrst.inserted', true), '')`

/**
 * PostgREST's addConfigPgrstInserted: counts in the transaction setting `pgrst.inserted`, +1 for
 * every row that reaches the INSERT and -1 for every row ON CONFLICT turns into an update, so the
 * count is right for views too (which have no `xmax` to tell an insert from an update).
 */
function countInserted(add: boolean): string {
  const [symbol, untouched] = add ? ['+', '0'] : ['-', '-1']
  return `set_config('pgrst.inserted', (coalesce(${INSERTED_SETTING}::int, 0) ${symbol} 1)::text, true) <> '${untouched}'`
}

/** Wraps the rows a mutation produced (the CTE pgrst_source) into the standard result row. */
function mutationResult(cte: string, out: MutationOutput, countsInserts: boolean): string {
  const body =
    out.select.length === 0
      ? `'[]'::text`
      : `(SELECT ${bodySql('rows', out.media)} FROM (SELECT ${selectListSql('pgrst_source', out.select)} FROM pgrst_source) _postgrest_t)`
  // The setting is read once the whole CTE has been consumed (the count), i.e. after every row was written.
  const inserted = countsInserts
    ? `(SELECT ${INSERTED_SETTING}::bigint FROM (SELECT pg_catalog.count(*) FROM pgrst_source) pgrst_done)`
    : 'NULL::bigint'
  return (
    `WITH pgrst_source AS (${cte}) ` +
    `SELECT NULL::bigint AS total, ` +
    `(SELECT pg_catalog.count(*) FROM pgrst_source) AS page_total, ` +
    `${inserted} AS inserted, ${body} AS body`
  )
}

/** `select=*` in a mutation means every column, spelt out (the RETURNING list names each one). */
export function expandStar(select: SelectItem[], table: Table): SelectItem[] {
  return select.flatMap((s) =>
    s.column === '*' ? table.columns.map((c) => ({ column: c.name })) : [s],
  )
}

export interface InsertSpec {
  table: Table
  columns: Column[]
  body: string
  isObject: boolean
  applyDefaults: boolean
  onConflict?: { target: string[]; action: 'merge' | 'ignore' }
  output: MutationOutput
}

export function insertStatement(spec: InsertSpec, params: Params): string {
  const tableQ = qualified(spec.table.schema, spec.table.name)
  const cols = spec.columns.map((c) => ident(c.name))
  const source = jsonBodySource(spec.body, spec.isObject, spec.columns, spec.applyDefaults, params)
  // Only merge-duplicates needs to know how many rows were inserted (201 or 200, isInsertIfGTZero).
  const merge = spec.onConflict?.action === 'merge'
  let sql =
    `INSERT INTO ${tableQ}${cols.length ? ` (${cols.join(', ')})` : ''} ` +
    `SELECT ${spec.columns.map((c) => `pgrst_body.${ident(c.name)}`).join(', ')} FROM ${source}` +
    (merge ? ` WHERE ${countInserted(true)}` : '')
  if (spec.onConflict && spec.onConflict.target.length > 0) {
    sql += ` ON CONFLICT (${spec.onConflict.target.map(ident).join(', ')}) `
    sql +=
      spec.onConflict.action === 'ignore' || cols.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')} WHERE ${countInserted(false)}`
  }
  return mutationResult(`${sql} RETURNING ${returningList(spec.output)}`, spec.output, merge)
}

export interface UpdateSpec {
  table: Table
  columns: Column[]
  body: string
  isObject: boolean
  applyDefaults: boolean
  filters: Filter[]
  output: MutationOutput
}

export function updateStatement(spec: UpdateSpec, params: Params): string {
  const tableQ = qualified(spec.table.schema, spec.table.name)
  if (spec.columns.length === 0) {
    // Nothing to set: PostgREST selects no row rather than writing `UPDATE t SET` (invalid SQL).
    return mutationResult(
      `SELECT ${returningList(spec.output)} FROM ${tableQ} WHERE false`,
      spec.output,
      false,
    )
  }
  const set = spec.columns.map((c) => `${ident(c.name)} = pgrst_body.${ident(c.name)}`).join(', ')
  const source = jsonBodySource(spec.body, spec.isObject, spec.columns, spec.applyDefaults, params)
  const sql = `UPDATE ${tableQ} SET ${set} FROM ${source}${whereSql(tableQ, spec.filters, params)}`
  return mutationResult(`${sql} RETURNING ${returningList(spec.output)}`, spec.output, false)
}

export function deleteStatement(
  table: Table,
  filters: Filter[],
  output: MutationOutput,
  params: Params,
): string {
  const tableQ = qualified(table.schema, table.name)
  const sql = `DELETE FROM ${tableQ}${whereSql(tableQ, filters, params)}`
  return mutationResult(`${sql} RETURNING ${returningList(output)}`, output, false)
}
