/**
 * The `postgres_changes` entries of a join, read as Supabase Realtime reads them: a port of
 * `Extensions.PostgresCdcRls.Subscriptions.parse_subscription_params/1` (lib/extensions/postgres_cdc_rls/
 * subscriptions.ex: event → action filter, schema/table defaults, the `filter` grammar with `not.`,
 * commas, quoting and `in.(…)`, `select`), its error messages, and the ids of the join reply.
 */
import { createHash } from 'node:crypto'
import { isObject } from './protocol.js'

export type Action = '*' | 'INSERT' | 'UPDATE' | 'DELETE'

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'like',
  'ilike',
  'is',
  'match',
  'imatch',
  'isdistinct',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

export interface Filter {
  column: string
  op: FilterOperator
  /** As the server stores it: `in.(a,b)` becomes the array literal `{a,b}`, a quoted value is unquoted. */
  value: string
  negate: boolean
}

export interface SubscriptionParams {
  action: Action
  /** `*` for any (matched with LIKE against pg_publication_tables, as Supabase does). */
  schema: string
  table: string
  filters: Filter[]
  /** Columns to send (the primary key always comes along); null: all. */
  select: string[] | null
}

export type ParseResult = { ok: true; params: SubscriptionParams } | { ok: false; error: string }

/**
 * The id Supabase puts in the join reply and in every `postgres_changes` message for this entry:
 * `:erlang.phash2(params)` of the entry as the client sent it (realtime_channel.ex,
 * `add_id_to_postgres_changes`), a number in [0, 2^27). Equal entries get equal ids there and here;
 * the numbers themselves differ from Erlang's, which no client can rely on.
 */
export function subscriptionId(entry: Record<string, unknown>): number {
  const digest = createHash('sha1').update(canonicalJson(entry)).digest()
  return digest.readUInt32BE(0) & 0x7ffffff
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function actionFilter(params: Record<string, unknown>): Action {
  const event = params.event
  if (event === '*') return '*'
  if (typeof event === 'string') {
    const upper = event.toUpperCase()
    if (upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE') return upper
  }
  return '*'
}

/** `Subscriptions.parse_subscription_params/1`, with its messages. */
export function parseSubscriptionParams(params: Record<string, unknown>): ParseResult {
  const action = actionFilter(params)
  let select: string[] | null = null
  if ('select' in params) {
    const cols = params.select
    if (Array.isArray(cols)) {
      const valid = cols.filter((c): c is string => typeof c === 'string')
      select = valid.length ? valid : null
    } else if (typeof cols === 'string') {
      return {
        ok: false,
        error:
          'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]',
      }
    }
  }
  const has = (k: string): boolean => k in params
  const str = (k: string): string | undefined =>
    typeof params[k] === 'string' ? (params[k] as string) : undefined
  const schema = str('schema')
  const table = str('table')
  const filter = str('filter')
  const ok = (s: string, t: string, filters: Filter[]): ParseResult => {
    if (select && (s === '*' || t === '*')) {
      return {
        ok: false,
        error:
          'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.',
      }
    }
    return { ok: true, params: { action, schema: s, table: t, filters, select } }
  }
  if (schema !== undefined && table !== undefined && filter !== undefined) {
    const parsed = parseFilters(filter)
    if (!parsed.ok) return { ok: false, error: `Error parsing \`filter\` params: ${parsed.error}` }
    return ok(schema, table, parsed.filters)
  }
  if (schema !== undefined && table !== undefined && !has('filter')) return ok(schema, table, [])
  if (schema !== undefined && !has('table') && !has('filter')) return ok(schema, '*', [])
  if (table !== undefined && !has('schema') && !has('filter')) return ok('public', table, [])
  if (has('user_token') || has('auth_token')) {
    return {
      ok: false,
      error:
        'No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: <redacted>',
    }
  }
  return {
    ok: false,
    error: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${inspect(params)}`,
  }
}

type FiltersResult = { ok: true; filters: Filter[] } | { ok: false; error: string }

function parseFilters(filter: string): FiltersResult {
  const trimmed = filter.trim()
  if (trimmed === '') return { ok: true, filters: [] }
  const filters: Filter[] = []
  for (const segment of splitTopLevel(trimmed)) {
    const parsed = parseSegment(segment)
    if (!parsed.ok) return parsed
    filters.push(parsed.filter)
  }
  return { ok: true, filters }
}

/** Splits on commas outside parentheses and double quotes (`split_top_level/6`). */
function splitTopLevel(filter: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let prev = ''
  let current = ''
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i]
    if (quoted) {
      if (ch === '\\' && i + 1 < filter.length) {
        current += ch + filter[i + 1]
        prev = filter[i + 1]
        i++
      } else if (ch === '"') {
        quoted = false
        current += ch
        prev = ch
      } else {
        current += ch
        prev = ch
      }
      continue
    }
    if (ch === '"' && (prev === '.' || prev === '(' || prev === ',')) {
      quoted = true
      current += ch
      prev = ch
    } else if (ch === '(') {
      depth++
      current += ch
      prev = ch
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1)
      current += ch
      prev = ch
    } else if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
      prev = ''
    } else {
      current += ch
      prev = ch
    }
  }
  parts.push(current)
  return parts
}

type SegmentResult = { ok: true; filter: Filter } | { ok: false; error: string }

function parseSegment(segment: string): SegmentResult {
  const trimmed = segment.trim()
  if (trimmed === '') {
    return { ok: false, error: 'filter must not contain empty segments (check for extra commas)' }
  }
  const eq = trimmed.indexOf('=')
  if (eq < 0) return { ok: false, error: inspect([trimmed]) }
  const column = trimmed.slice(0, eq)
  let rest = trimmed.slice(eq + 1)
  let negate = false
  if (rest.startsWith('not.')) {
    negate = true
    rest = rest.slice(4)
  }
  const dot = rest.indexOf('.')
  if (dot < 0) return { ok: false, error: inspect([rest]) }
  const op = rest.slice(0, dot)
  const value = rest.slice(dot + 1)
  if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
    return { ok: false, error: inspect([op, value]) }
  }
  if (op === 'in') {
    if (value.length >= 2 && value.startsWith('(') && value.endsWith(')')) {
      return {
        ok: true,
        filter: { column, op: 'in', value: `{${value.slice(1, -1)}}`, negate },
      }
    }
    return { ok: false, error: '`in` filter value must be wrapped by parentheses' }
  }
  return { ok: true, filter: { column, op: op as FilterOperator, value: unquote(value), negate } }
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value
  let out = ''
  for (let i = 1; i < value.length; i++) {
    const ch = value[i]
    if (ch === '"') return i === value.length - 1 ? out : value
    if (ch === '\\' && i + 1 < value.length) {
      out += value[i + 1]
      i++
    } else {
      out += ch
    }
  }
  return value
}

/** `params_to_log/1`: `event: *, schema: public, table: notes, filters: [], select: nil`. */
export function paramsToLog(p: SubscriptionParams): string {
  const filters = `[${p.filters
    .map((f) => `{${inspect(f.column)}, ${inspect(f.op)}, ${inspect(f.value)}, ${f.negate}}`)
    .join(', ')}]`
  return `event: ${p.action}, schema: ${p.schema}, table: ${p.table}, filters: ${filters}, select: ${
    p.select ? inspect(p.select) : 'nil'
  }`
}

/** Elixir's `inspect/1` for the JSON values a client can send (maps print with sorted keys). */
export function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `%{${keys.map((k) => `${JSON.stringify(k)} => ${inspect(value[k])}`).join(', ')}}`
  }
  return String(value)
}
