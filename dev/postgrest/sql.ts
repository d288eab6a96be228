/**
 * SQL for reads and function calls, modelled on PostgREST's Query/QueryBuilder.hs and
 * Query/Statements.hs (mutate.ts has the writes). Every statement returns one row:
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
import type { BodyMedia } from './media.js'
import type { Filter, OrderTerm, SelectItem } from './query.js'
import type { RowRange } from './range.js'
import type { Routine } from './schema.js'

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
      const keyword = {
        null: 'NULL',
        not_null: 'NOT NULL',
        true: 'TRUE',
        false: 'FALSE',
        unknown: 'UNKNOWN',
      }[f.value]
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
  const limit =
    range.upper === undefined
      ? 'ALL'
      : params.add(String(Math.max(0, range.upper - range.lower + 1)))
  return ` LIMIT ${limit} OFFSET ${params.add(String(range.lower))}`
}

export function selectListSql(qualifier: string, select: SelectItem[]): string {
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
export function bodySql(shape: BodyShape, media: BodyMedia = {}): string {
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
  const columns =
    shape === 'scalar' || shape === 'scalars'
      ? `${spec.qualifier}.pgrst_scalar`
      : selectListSql(spec.qualifier, spec.select)
  const source =
    `SELECT ${columns} FROM ${spec.from}${where}` +
    orderSql(spec.qualifier, spec.order) +
    limitSql(spec.range, params)
  const total = spec.count
    ? `(SELECT pg_catalog.count(*) FROM ${spec.from}${where})`
    : 'NULL::bigint'
  return (
    `WITH ${spec.ctes ? `${spec.ctes}, ` : ''}pgrst_source AS (${source}) ` +
    `SELECT ${total} AS total, ` +
    `(SELECT pg_catalog.count(*) FROM pgrst_source) AS page_total, ` +
    `NULL::bigint AS inserted, ` +
    `(SELECT ${bodySql(shape, spec.media)} FROM pgrst_source _postgrest_t) AS body`
  )
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
    argList = spec.passed
      .map((p) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := pgrst_body.${ident(p.name)}`)
      .join(', ')
  }
  const call = `${fnQ}(${argList})`
  const lateral = fromArgs ? 'LATERAL ' : ''
  const inner = scalar
    ? `SELECT pgrst_call.pgrst_scalar FROM ${fromArgs}${lateral}(SELECT ${call} AS pgrst_scalar) pgrst_call`
    : `SELECT pgrst_call.* FROM ${fromArgs}${lateral}${call} pgrst_call`
  return `pgrst_call_result AS (${inner})`
}
