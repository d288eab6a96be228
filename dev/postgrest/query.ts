/**
 * Parsing of the query string (select, filters, order, limit/offset, columns, on_conflict),
 * following PostgREST's ApiRequest/QueryParams.hs. The Range header and max-rows are range.ts,
 * the Accept and Prefer headers media.ts.
 *
 * Nothing here touches SQL: the output is plain data that sql.ts turns into parameterised statements.
 */
import { Cursor } from './cursor.js'
import { ApiError, notImplemented } from './errors.js'

export type SimpleOperator =
  'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'match' | 'imatch' | 'isdistinct'
export type IsValue = 'null' | 'not_null' | 'true' | 'false' | 'unknown'

export type Filter =
  | { column: string; negated: boolean; op: SimpleOperator; value: string }
  | { column: string; negated: boolean; op: 'in'; values: string[] }
  | { column: string; negated: boolean; op: 'is'; value: IsValue }

export interface OrderTerm {
  column: string
  direction?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
}

export interface SelectItem {
  /** A column name, or '*' for all columns. */
  column: string
  alias?: string
  cast?: string
}

export interface ParsedQuery {
  select: SelectItem[]
  filters: Filter[]
  order: OrderTerm[]
  /** The range from limit/offset only; combined with the Range header by topLevelRange(). */
  limit?: number
  offset?: number
  columns?: string[]
  onConflict?: string[]
  /** For GET/HEAD on /rpc/fn: parameters without an operator are the function's arguments. */
  rpcArgs: Record<string, string>
  /** Canonical query string (sorted), for Content-Location. */
  canonical: string
}

/** Parameters PostgREST reserves; everything else with a value is a filter. */
const RESERVED = new Set(['select', 'columns', 'on_conflict', 'order', 'limit', 'offset'])

const SIMPLE_OPERATORS: SimpleOperator[] = [
  // Longer names first, so `gte` is not read as `gt` followed by garbage.
  'isdistinct',
  'neq',
  'gte',
  'gt',
  'lte',
  'lt',
  'eq',
  'ilike',
  'like',
  'imatch',
  'match',
]

/** Parses the value of a filter parameter: `[not.]op.value`. */
export function parseFilterValue(column: string, value: string): Filter {
  const c = new Cursor(value, 'filter')
  const negated = c.tryString('not.')
  if (c.tryString('in.')) {
    return { column, negated, op: 'in', values: parseList(c) }
  }
  if (c.tryString('is.')) {
    const v = value.slice(c.pos).toLowerCase()
    if (!['null', 'not_null', 'true', 'false', 'unknown'].includes(v))
      c.fail('isVal: (null, not_null, true, false, unknown)')
    return { column, negated, op: 'is', value: v as IsValue }
  }
  for (const op of SIMPLE_OPERATORS) {
    if (c.tryString(`${op}.`)) return { column, negated, op, value: value.slice(c.pos) }
    if (value.startsWith(`${op}(any)`, c.pos) || value.startsWith(`${op}(all)`, c.pos)) {
      throw notImplemented('any/all quantifiers are not supported by the stand-in')
    }
  }
  for (const fts of [
    'fts',
    'plfts',
    'phfts',
    'wfts',
    'cs',
    'cd',
    'ov',
    'sl',
    'sr',
    'nxr',
    'nxl',
    'adj',
  ]) {
    if (c.text.startsWith(`${fts}.`, c.pos) || c.text.startsWith(`${fts}(`, c.pos)) {
      throw notImplemented(`the '${fts}' operator is not supported by the stand-in`)
    }
  }
  return c.fail(negated ? 'operator (eq, gt, ...)' : '"not" or operator (eq, gt, ...)')
}

/**
 * `(a,b,"c,d")`: elements separated by commas; an element in double quotes may contain `,` `.` `:`
 * `(` `)` and backslash escapes (pListVal / pListElement).
 */
function parseList(c: Cursor): string[] {
  c.skipSpaces()
  c.expect('(')
  c.skipSpaces()
  const values: string[] = []
  for (;;) {
    if (c.peek() === '"') {
      const save = c.pos
      const v = c.quoted()
      // A quoted element must end at a separator, otherwise the quotes are part of a bare value.
      if (c.peek() === ',' || c.peek() === ')') values.push(v)
      else {
        c.pos = save
        values.push(bareElement(c))
      }
    } else {
      values.push(bareElement(c))
    }
    if (c.tryString(',')) continue
    break
  }
  c.skipSpaces()
  c.expect(')', '"," or ")"')
  c.skipSpaces()
  c.expectEnd('end of input')
  return values
}

function bareElement(c: Cursor): string {
  const start = c.pos
  while (!c.done && c.peek() !== ',' && c.peek() !== ')') c.pos++
  return c.text.slice(start, c.pos)
}

/** `col[.asc|.desc][.nullsfirst|.nullslast]`, comma separated (pOrder). */
export function parseOrder(value: string): OrderTerm[] {
  const c = new Cursor(value, 'order')
  const terms: OrderTerm[] = []
  for (;;) {
    const term: OrderTerm = { column: c.fieldName() }
    if (c.peek() === '(')
      throw notImplemented('ordering by an embedded resource is not supported by the stand-in')
    if (c.tryString('.asc')) term.direction = 'asc'
    else if (c.tryString('.desc')) term.direction = 'desc'
    if (c.tryString('.nullsfirst')) term.nulls = 'first'
    else if (c.tryString('.nullslast')) term.nulls = 'last'
    c.skipSpaces()
    terms.push(term)
    if (c.tryString(',')) continue
    c.expectEnd(
      term.direction || term.nulls ? '"," or end of input' : 'delimiter (.), "," or end of input',
    )
    return terms
  }
}

/** `*`, `col`, `alias:col`, `col::type`, comma separated. Embedding and aggregates are out of scope. */
export function parseSelect(value: string): SelectItem[] {
  const c = new Cursor(value, 'select parameter')
  const items: SelectItem[] = []
  c.skipSpaces()
  if (c.done) return items // `select=` selects no column at all, like PostgREST
  for (;;) {
    c.skipSpaces()
    if (c.tryString('...'))
      throw notImplemented('spread embedding is not supported by the stand-in')
    let item: SelectItem
    if (c.tryString('*')) {
      item = { column: '*' }
    } else {
      const first = c.fieldName()
      if (c.peek() === ':' && c.text[c.pos + 1] !== ':') {
        c.pos++
        item = { column: c.fieldName(), alias: first }
      } else {
        item = { column: first }
      }
      if (c.peek() === '(' || c.peek() === '!') {
        throw notImplemented('embedding related resources is not supported by the stand-in')
      }
      if (c.tryString('::')) {
        const start = c.pos
        while (!c.done && /[\p{L}\p{N}_ $[\]]/u.test(c.peek())) c.pos++
        const cast = c.text.slice(start, c.pos).trim()
        if (cast === '') c.fail('cast type')
        item.cast = cast
      }
    }
    items.push(item)
    c.skipSpaces()
    if (c.tryString(',')) continue
    c.expectEnd('"," or end of input')
    return items
  }
}

/** `columns` and `on_conflict`: field names separated by commas (pColumns). */
export function parseColumnList(value: string, what: string): string[] {
  const c = new Cursor(value, what)
  const names: string[] = []
  for (;;) {
    names.push(c.fieldName())
    c.skipSpaces()
    if (c.tryString(',')) continue
    c.expectEnd('"," or end of input')
    return names
  }
}

function parseInteger(value: string | null): number | undefined {
  // PostgREST reads these with `readMaybe`: anything that is not an integer is ignored.
  if (value === null || !/^-?\d+$/.test(value.trim())) return undefined
  return Number(value.trim())
}

export function parseQuery(params: URLSearchParams, options: { isRpcRead: boolean }): ParsedQuery {
  const filters: Filter[] = []
  const rpcArgs: Record<string, string> = {}
  let order: OrderTerm[] = []
  for (const [key, value] of params) {
    // Parameters without a value are ignored, as in PostgREST; `apikey` is the gateway's.
    if (value === '' || key === 'apikey') continue
    if (RESERVED.has(key)) continue
    if (key === 'and' || key === 'or' || key.endsWith('.and') || key.endsWith('.or')) {
      throw notImplemented('logic trees (and=, or=) are not supported by the stand-in')
    }
    // A quoted key names a column with characters that would otherwise be syntax (`"a.b"=eq.1`).
    const quoted = key.length >= 2 && key.startsWith('"') && key.endsWith('"')
    if (!quoted && key.includes('.')) {
      const [resource] = key.split('.')
      throw new ApiError(
        400,
        'PGRST108',
        `'${resource}' is not an embedded resource in this request`,
        null,
        `Verify that '${resource}' is included in the 'select' query parameter.`,
      )
    }
    const column = quoted ? new Cursor(key, 'tree path').quoted() : key
    try {
      filters.push(parseFilterValue(column, value))
    } catch (error) {
      // On a read of a function, a parameter that is not a filter is an argument.
      if (options.isRpcRead && error instanceof ApiError && error.code === 'PGRST100')
        rpcArgs[column] = value
      else throw error
    }
  }
  const orderValue = params.get('order')
  if (orderValue) order = parseOrder(orderValue)
  const selectValue = params.get('select')
  const select = selectValue === null ? [{ column: '*' }] : parseSelect(selectValue)
  const columnsValue = params.get('columns')
  const onConflictValue = params.get('on_conflict')
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    select,
    filters,
    order,
    limit: parseInteger(params.get('limit')),
    offset: parseInteger(params.get('offset')),
    // Unlike filters, an empty `columns=` or `on_conflict=` is a parse error in PostgREST.
    columns: columnsValue !== null ? parseColumnList(columnsValue, 'columns parameter') : undefined,
    onConflict:
      onConflictValue !== null
        ? parseColumnList(onConflictValue, 'on_conflict parameter')
        : undefined,
    rpcArgs,
    canonical: new URLSearchParams(sorted).toString(),
  }
}
