/**
 * SQL for each kind of request, modelled on PostgREST's Query/QueryBuilder.hs and
 * Query/Statements.hs. Every statement returns one row:
 *
 *   total      the exact count when asked (Prefer: count=exact), else NULL
 *   page_total rows in this page / rows written
 *   inserted   rows that were inserted rather than updated (upserts)
 *   body       the JSON response, built by PostgreSQL itself with json_agg
 *
 * Building the JSON in SQL is what makes types render exactly as PostgREST renders them
 * (timestamptz `2024-05-01T10:34:56.789+00:00`, bigint as numbers, jsonb untouched).
 *
 * Values only ever travel as parameters ($n, untyped, so PostgreSQL infers the column's type and
 * reports 22P02 for a bad uuid exactly as with PostgREST); identifiers are always quoted.
 */
import type { Filter, OrderTerm, RowRange, SelectItem } from './query.js'
import type { Column, Routine, Table } from './schema.js'

export interface Statement {
  text: string
  values: unknown[]
}

/** Collects parameter values and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = []

  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`
}

/** A type name from a `::cast` in select; parsing already limited it to letters, digits, `_ $ []` and spaces. */
function castType(type: string): string {
  if (!/^[\p{L}\p{N}_ $[\]]+$/u.test(type)) throw new Error(`unexpected cast type ${type}`)
  return type
}

/** `{"a","b\"c"}`: a PostgreSQL array literal, each element quoted (pgBuildArrayLiteral). */
function arrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}

const SIMPLE_SQL: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'LIKE',
  ilike: 'ILIKE',
  match: '~',
  imatch: '~*',
  isdistinct: 'IS DISTINCT FROM',
}

function filterSql(qualifier: string, f: Filter, params: Params): string {
  const col = `${qualifier}.${ident(f.column)}`
  const not = f.negated ? 'NOT ' : ''
  switch (f.op) {
    case 'in':
      // `= ANY(array)` rather than IN: an empty list stays valid SQL (PostgREST does the same).
      if (f.values.length === 1 && f.values[0] === '') return `${not}${col} = ANY('{}')`
      return `${not}${col} = ANY(${params.add(arrayLiteral(f.values))})`
    case 'is': {
      const keyword = { null: 'NULL', not_null: 'NOT NULL', true: 'TRUE', false: 'FALSE', unknown: 'UNKNOWN' }[f.value]
      return `${not}${col} IS ${keyword}`
    }
    case 'like':
    case 'ilike':
      return `${not}${col} ${SIMPLE_SQL[f.op]} ${params.add(f.value.replace(/\*/g, '%'))}`
    default:
      return `${not}${col} ${SIMPLE_SQL[f.op]} ${params.add(f.value)}`
  }
}

export function whereSql(qualifier: string, filters: Filter[], params: Params): string {
  if (filters.length === 0) return ''
  return ` WHERE ${filters.map((f) => filterSql(qualifier, f, params)).join(' AND ')}`
}

function orderSql(qualifier: string, order: OrderTerm[]): string {
  if (order.length === 0) return ''
  const terms = order.map((o) => {
    let t = `${qualifier}.${ident(o.column)}`
    if (o.direction) t += o.direction === 'asc' ? ' ASC' : ' DESC'
    if (o.nulls) t += o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST'
    return t
  })
  return ` ORDER BY ${terms.join(', ')}`
}

function limitSql(range: RowRange, params: Params): string {
  if (range.lower === 0 && range.upper === undefined) return ''
  const limit = range.upper === undefined ? 'ALL' : params.add(String(Math.max(0, range.upper - range.lower + 1)))
  return ` LIMIT ${limit} OFFSET ${params.add(String(range.lower))}`
}

function selectListSql(qualifier: string, select: SelectItem[]): string {
  if (select.length === 0) return 'NULL' // `select=` : rows with no column, rendered as {}
  return select
    .map((s) => {
      if (s.column === '*') return `${qualifier}.*`
      const col = `${qualifier}.${ident(s.column)}`
      const expr = s.cast ? `CAST(${col} AS ${castType(s.cast)})` : col
      return s.alias || s.cast ? `${expr} AS ${ident(s.alias ?? s.column)}` : expr
    })
    .join(', ')
}

export type BodyShape = 'rows' | 'single-row' | 'scalar' | 'scalars'

/** What the Accept header asked for. */
export interface BodyMedia {
  singular?: boolean
  stripNulls?: boolean
}

export interface ReadSpec {
  /** The FROM item: a qualified table, or the function call's CTE with the function's name as alias. */
  from: string
  /** CTEs the FROM item needs (the function call). */
  ctes?: string
  /** What column references are qualified with (the table, so errors read `column dealers.x does not exist`). */
  qualifier: string
  select: SelectItem[]
  filters: Filter[]
  order: OrderTerm[]
  range: RowRange
  count: boolean
  /** How the rows become the body: an array (tables, setof), one object, one scalar, an array of scalars. */
  shape?: BodyShape
  media?: BodyMedia
}

/**
 * The body expression (PostgREST's asJsonF / asJsonSingleF): an array, or the first element for a
 * singular response (`Accept: application/vnd.pgrst.object+json`), optionally without null fields.
 */
function bodySql(shape: BodyShape, media: BodyMedia = {}): string {
  const scalar = shape === 'scalar' || shape === 'scalars'
  const agg = scalar ? 'json_agg(_postgrest_t.pgrst_scalar)' : 'json_agg(_postgrest_t)'
  const single = media.singular || shape === 'single-row' || shape === 'scalar'
  const value = media.stripNulls ? `json_strip_nulls(${agg})` : agg
  return single ? `coalesce(${value}->0, 'null')::text` : `coalesce(${value}, '[]')::text`
}

/** GET/HEAD on a table, or the read part of an RPC call. */
export function readStatement(spec: ReadSpec, params: Params): string {
  const shape = spec.shape ?? 'rows'
  const where = whereSql(spec.qualifier, spec.filters, params)
  const columns = shape === 'scalar' || shape === 'scalars' ? `${spec.qualifier}.pgrst_scalar` : selectListSql(spec.qualifier, spec.select)
  const source =
    `SELECT ${columns} FROM ${spec.from}${where}` + orderSql(spec.qualifier, spec.order) + limitSql(spec.range, params)
  const total = spec.count ? `(SELECT pg_catalog.count(*) FROM ${spec.from}${where})` : 'NULL::bigint'
  return (
    `WITH ${spec.ctes ? `${spec.ctes}, ` : ''}pgrst_source AS (${source}) ` +
    `SELECT ${total} AS total, ` +
    `(SELECT pg_catalog.count(*) FROM pgrst_source) AS page_total, ` +
    `NULL::bigint AS inserted, ` +
    `(SELECT ${bodySql(shape, spec.media)} FROM pgrst_source _postgrest_t) AS body`
  )
}

/**
 * `FROM (SELECT $1::json AS json_data) pgrst_payload, LATERAL (SELECT cols FROM json_to_recordset(...) AS _(col type, ...)) pgrst_body`
 * — the body parsed into typed columns (fromJsonBodyF). Keys missing from an object come out NULL;
 * with `missing=default` the column defaults are merged in first (as jsonb, like PostgREST).
 */
function jsonBodySource(body: string, isObject: boolean, columns: Column[], applyDefaults: boolean, params: Params): string {
  const placeholder = params.add(body)
  const withDefaults = applyDefaults && columns.some((c) => c.default !== null)
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
    rows = isObject ? `LATERAL (SELECT FROM (VALUES (1)) _) pgrst_body` : `LATERAL (SELECT FROM ${prefix}_array_elements(${data}) _) pgrst_body`
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

/** The columns a mutation hands back: the requested ones and, for inserts, whether each row was new. */
function returningList(out: MutationOutput, withInsertedFlag: boolean): string {
  const tableQ = qualified(out.table.schema, out.table.name)
  const returned = [...new Set(out.select.map((s) => s.column))].map((c) => `${tableQ}.${ident(c)}`)
  // `xmax = 0` is true for a row this statement inserted and false for one ON CONFLICT DO UPDATE
  // changed (PostgREST counts the same thing with a pgrst.inserted setting).
  if (withInsertedFlag) returned.push('(xmax = 0) AS pgrst_inserted_flag')
  if (returned.length === 0) returned.push('1 AS pgrst_one')
  return returned.join(', ')
}

/** Wraps the rows a mutation produced (the CTE pgrst_source) into the standard result row. */
function mutationResult(cte: string, out: MutationOutput, withInsertedFlag: boolean): string {
  const body =
    out.select.length === 0
      ? `'[]'::text`
      : `(SELECT ${bodySql('rows', out.media)} FROM (SELECT ${selectListSql('pgrst_source', out.select)} FROM pgrst_source) _postgrest_t)`
  return (
    `WITH pgrst_source AS (${cte}) ` +
    `SELECT NULL::bigint AS total, ` +
    `(SELECT pg_catalog.count(*) FROM pgrst_source) AS page_total, ` +
    (withInsertedFlag ? `(SELECT pg_catalog.count(*) FROM pgrst_source WHERE pgrst_inserted_flag)` : 'NULL::bigint') +
    ` AS inserted, ${body} AS body`
  )
}

/** `select=*` in a mutation means every column: spelt out, so the extra RETURNING column stays out of the body. */
export function expandStar(select: SelectItem[], table: Table): SelectItem[] {
  return select.flatMap((s) => (s.column === '*' ? table.columns.map((c) => ({ column: c.name })) : [s]))
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
  let sql =
    `INSERT INTO ${tableQ}${cols.length ? ` (${cols.join(', ')})` : ''} ` +
    `SELECT ${spec.columns.map((c) => `pgrst_body.${ident(c.name)}`).join(', ')} FROM ${source}`
  if (spec.onConflict && spec.onConflict.target.length > 0) {
    sql += ` ON CONFLICT (${spec.onConflict.target.map(ident).join(', ')}) `
    sql +=
      spec.onConflict.action === 'ignore' || cols.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`
  }
  return mutationResult(`${sql} RETURNING ${returningList(spec.output, true)}`, spec.output, true)
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
    return mutationResult(`SELECT ${returningList(spec.output, false)} FROM ${tableQ} WHERE false`, spec.output, false)
  }
  const set = spec.columns.map((c) => `${ident(c.name)} = pgrst_body.${ident(c.name)}`).join(', ')
  const source = jsonBodySource(spec.body, spec.isObject, spec.columns, spec.applyDefaults, params)
  const sql = `UPDATE ${tableQ} SET ${set} FROM ${source}${whereSql(tableQ, spec.filters, params)}`
  return mutationResult(`${sql} RETURNING ${returningList(spec.output, false)}`, spec.output, false)
}

export function deleteStatement(table: Table, filters: Filter[], output: MutationOutput, params: Params): string {
  const tableQ = qualified(table.schema, table.name)
  const sql = `DELETE FROM ${tableQ}${whereSql(tableQ, filters, params)}`
  return mutationResult(`${sql} RETURNING ${returningList(output, false)}`, output, false)
}

export interface CallSpec {
  routine: Routine
  /** The JSON object of arguments, or the whole body for a single unnamed json/jsonb parameter. */
  args: string
  /** Parameters named in the request (a subset of routine.params), or 'single' for one unnamed json parameter. */
  passed: Routine['params'] | 'single'
}

/**
 * The function call (callPlanToQuery): named notation, arguments parsed from the JSON body with
 * json_to_record so each gets the parameter's type. It becomes a CTE that the read part selects,
 * filters and counts from, so the function runs once even with `Prefer: count=exact`.
 */
export function callCte(spec: CallSpec, params: Params): string {
  const { routine } = spec
  const fnQ = qualified(routine.schema, routine.name)
  const scalar = !routine.returnsComposite
  let fromArgs = ''
  let argList = ''
  if (spec.passed === 'single') {
    const [param] = routine.params
    argList = `${params.add(spec.args)}::${param.type}`
  } else if (spec.passed.length > 0) {
    const names = spec.passed.map((p) => ident(p.name)).join(', ')
    const typed = spec.passed.map((p) => `${ident(p.name)} ${p.type}`).join(', ')
    fromArgs =
      `(SELECT ${params.add(spec.args)}::json AS json_data) pgrst_payload, ` +
      `LATERAL (SELECT ${names} FROM json_to_record(pgrst_payload.json_data) AS _(${typed}) LIMIT 1) pgrst_body, `
    argList = spec.passed.map((p) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := pgrst_body.${ident(p.name)}`).join(', ')
  }
  const call = `${fnQ}(${argList})`
  const lateral = fromArgs ? 'LATERAL ' : ''
  const inner = scalar
    ? `SELECT pgrst_call.pgrst_scalar FROM ${fromArgs}${lateral}(SELECT ${call} AS pgrst_scalar) pgrst_call`
    : `SELECT pgrst_call.* FROM ${fromArgs}${lateral}${call} pgrst_call`
  return `pgrst_call_result AS (${inner})`
}
