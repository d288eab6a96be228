/**
 * One API request, from the parsed HTTP request to the response: authentication, schema profile,
 * query parsing, the SQL statement run in a transaction as the request's role, and the status and
 * headers PostgREST would send (its Response.hs and RangeQuery.hs).
 */
import type { IncomingHttpHeaders } from 'node:http'
import type pg from 'pg'
import { ANON_ROLE, authenticate, type AuthResult } from './auth.js'
import { ApiError, columnNotFound, invalidBody, invalidPath, tableNotFound, toApiError } from './errors.js'
import {
  contentRange,
  parsePrefer,
  parseQuery,
  preferenceApplied,
  topLevelRange,
  type ParsedQuery,
  type Preferences,
  type RowRange,
} from './query.js'
import { closestName, type Column, type Routine, type SchemaCache, type Table } from './schema.js'
import {
  Params,
  type BodyMedia,
  callCte,
  deleteStatement,
  expandStar,
  ident,
  insertStatement,
  qualified,
  readStatement,
  updateStatement,
  type CallSpec,
} from './sql.js'

export interface HandlerContext {
  pool: pg.Pool
  cache: SchemaCache
  jwtSecret: string
  schema: string
}

export type Resource =
  | { kind: 'table'; name: string }
  | { kind: 'rpc'; name: string }
  | { kind: 'root' }
  | { kind: 'invalid' }

export interface ApiRequest {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  body: Buffer
  resource: Resource
}

export interface ApiResponse {
  status: number
  headers: Record<string, string>
  /** Omitted for HEAD and for answers without a body (204, return=minimal). */
  body?: string
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** `/rest/v1/<table>` or `/rest/v1/rpc/<fn>`; the name for stats and fault matching. */
export function routeOf(pathname: string): Resource {
  const m = /^\/rest\/v1(?:\/(.*))?$/.exec(pathname)
  if (!m) return { kind: 'invalid' }
  const rest = (m[1] ?? '').replace(/\/+$/, '')
  if (rest === '') return { kind: 'root' }
  let parts: string[]
  try {
    parts = rest.split('/').map((p) => decodeURIComponent(p))
  } catch {
    return { kind: 'invalid' } // malformed %-escape
  }
  if (parts.length === 1) return { kind: 'table', name: parts[0] }
  if (parts.length === 2 && parts[0] === 'rpc') return { kind: 'rpc', name: parts[1] }
  return { kind: 'invalid' }
}

export function resourceKey(resource: Resource, pathname: string): string {
  switch (resource.kind) {
    case 'table':
      return resource.name
    case 'rpc':
      return `rpc/${resource.name}`
    default:
      return pathname
  }
}

export function errorResponse(error: ApiError): ApiResponse {
  return {
    status: error.status,
    headers: { 'Content-Type': JSON_TYPE, 'Proxy-Status': `PostgREST; error=${error.code}`, ...error.headers },
    body: JSON.stringify(error.body()),
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** What the response body looks like, from the Accept header (PostgREST's MediaType.hs). */
export interface Media extends BodyMedia {
  contentType: string
}

/**
 * Picks the first media type of the Accept header the stand-in can produce: JSON arrays, a single
 * object (`application/vnd.pgrst.object+json`, which supabase-js' .single() sends), either without
 * null fields (`;nulls=stripped`). Anything else is PostgREST's 406 PGRST107.
 */
export function negotiateMedia(accept: string | undefined): Media {
  if (!accept || accept.trim() === '') return { contentType: JSON_TYPE }
  const offered = accept.split(',').map((s) => s.trim()).filter(Boolean)
  for (const entry of offered) {
    const [type, ...params] = entry.split(';').map((p) => p.trim().toLowerCase())
    const stripNulls = params.includes('nulls=stripped')
    if (type === '*/*' || type === 'application/*' || type === 'application/json') return { contentType: JSON_TYPE }
    if (type === 'application/vnd.pgrst.array+json' || type === 'application/vnd.pgrst.array') {
      return stripNulls
        ? { contentType: 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8', stripNulls }
        : { contentType: JSON_TYPE }
    }
    if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
      const mime = `application/vnd.pgrst.object+json${stripNulls ? ';nulls=stripped' : ''}`
      return { contentType: `${mime}; charset=utf-8`, singular: true, stripNulls }
    }
  }
  throw new ApiError(406, 'PGRST107', `None of these media types are available: ${offered.map((o) => o.split(';')[0].trim()).join(', ')}`)
}

/** The result row every statement in sql.ts returns. */
interface ResultRow {
  total: number | null
  pageTotal: number
  inserted: number | null
  body: string
}

interface RawResultRow {
  total: string | null
  page_total: string
  inserted: string | null
  body: string | null
}

interface TxOptions {
  readOnly: boolean
  /** A singular response needs exactly one row; otherwise 406 and, for writes, the change is rolled back. */
  singular?: boolean
  method: string
  path: string
}

/**
 * Runs one statement the way PostgREST does: in a transaction, as the role from the JWT
 * (`set_config('role', ...)`, so RLS and grants apply), with the claims available to policies as
 * `request.jwt.claims`.
 */
async function runStatement(ctx: HandlerContext, auth: AuthResult, tx: TxOptions, text: string, values: unknown[]): Promise<ResultRow> {
  let client: pg.PoolClient
  try {
    client = await ctx.pool.connect()
  } catch (error) {
    throw toApiError(error, auth.role !== ANON_ROLE)
  }
  let broken: Error | undefined
  try {
    await client.query(tx.readOnly ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY' : 'BEGIN ISOLATION LEVEL READ COMMITTED')
    await client.query(
      `SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), ` +
        `set_config('request.method', $3, true), set_config('request.path', $4, true)`,
      [auth.role, JSON.stringify(auth.claims), tx.method, tx.path],
    )
    const result = await client.query<RawResultRow>(text, values)
    const raw = result.rows[0]
    const row: ResultRow = {
      total: raw.total === null ? null : Number(raw.total),
      pageTotal: Number(raw.page_total),
      inserted: raw.inserted === null ? null : Number(raw.inserted),
      body: raw.body ?? '',
    }
    if (tx.singular && row.pageTotal !== 1) {
      throw new ApiError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${row.pageTotal} rows`)
    }
    await client.query('COMMIT')
    return row
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError // the connection is gone: do not hand it out again
    })
    throw toApiError(error, auth.role !== ANON_ROLE)
  } finally {
    client.release(broken)
  }
}

/** Answers one request; every failure becomes the PostgREST error response. */
export async function handleRequest(ctx: HandlerContext, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await dispatch(ctx, req)
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error)
    // A bug in the stand-in, not a database error: say so loudly rather than as a 4xx.
    const message = error instanceof Error ? error.message : String(error)
    return errorResponse(new ApiError(500, 'PGRSTX00', `Internal error in the PostgREST stand-in: ${message}`))
  }
}

async function dispatch(ctx: HandlerContext, req: ApiRequest): Promise<ApiResponse> {
  const { resource, method } = req
  if (resource.kind === 'invalid') throw invalidPath()
  const auth = await authenticate(req.headers, req.url.searchParams.get('apikey'), ctx.jwtSecret)
  const negotiated = checkProfile(ctx, req)
  if (resource.kind === 'root') {
    throw new ApiError(404, 'PGRST126', 'Root endpoint metadata is disabled')
  }
  const prefs = parsePrefer(req.headers.prefer)
  const media = negotiateMedia(header(req.headers, 'accept'))
  const profileHeaders: Record<string, string> = negotiated ? { 'Content-Profile': ctx.schema } : {}
  const out: Output = { prefs, media, profileHeaders }

  if (resource.kind === 'rpc') {
    if (method !== 'POST' && method !== 'GET' && method !== 'HEAD') {
      throw new ApiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`)
    }
    const query = parseQuery(req.url.searchParams, { isRpcRead: method !== 'POST' })
    const range = topLevelRange(query, header(req.headers, 'range'), method)
    return callFunction(ctx, req, auth, resource.name, query, range, out)
  }

  const query = parseQuery(req.url.searchParams, { isRpcRead: false })
  const range = topLevelRange(query, header(req.headers, 'range'), method)
  if ((method === 'PATCH' || method === 'DELETE') && (query.limit !== undefined || query.offset !== undefined)) {
    // PostgREST limits such writes to the first rows by `order`; ignoring the limit would change
    // more rows than asked, so refuse instead.
    throw new ApiError(400, 'PGRST127', 'Feature not implemented', 'limit/offset on PATCH and DELETE are not supported by the stand-in')
  }
  switch (method) {
    case 'GET':
    case 'HEAD':
      return read(ctx, req, auth, resource.name, query, range, out)
    case 'POST':
      return insert(ctx, req, auth, resource.name, query, out)
    case 'PATCH':
      return update(ctx, req, auth, resource.name, query, out)
    case 'DELETE':
      return remove(ctx, req, auth, resource.name, query, out)
    case 'PUT':
      throw new ApiError(400, 'PGRST127', 'Feature not implemented', 'PUT (single-row upsert) is not supported by the stand-in')
    default:
      throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`)
  }
}

/**
 * `Accept-Profile` (reads) / `Content-Profile` (writes) pick the schema; only the configured one is
 * exposed. Returns whether the client negotiated one, in which case responses name it back.
 */
function checkProfile(ctx: HandlerContext, req: ApiRequest): boolean {
  const isRead = req.method === 'GET' || req.method === 'HEAD'
  const requested = header(req.headers, isRead ? 'accept-profile' : 'content-profile')
  if (requested === undefined) return false
  if (requested !== ctx.schema) {
    throw new ApiError(406, 'PGRST106', `Invalid schema: ${requested}`, null, `Only the following schemas are exposed: ${ctx.schema}`)
  }
  return true
}

/** How to answer: preferences, media type, and the Content-Profile header when one was negotiated. */
interface Output {
  prefs: Preferences
  media: Media
  profileHeaders: Record<string, string>
}

async function findTable(ctx: HandlerContext, name: string): Promise<Table> {
  const table = await ctx.cache.table(name)
  if (!table) throw tableNotFound(ctx.schema, name, closestName(name, ctx.cache.tableNames()))
  return table
}

function txOptions(req: ApiRequest, readOnly: boolean, media: Media): TxOptions {
  return { readOnly, singular: media.singular, method: req.method, path: req.url.pathname }
}

function withPreferences(headers: Record<string, string>, prefs: Preferences): Record<string, string> {
  const applied = preferenceApplied(prefs)
  return applied ? { ...headers, 'Preference-Applied': applied } : headers
}

/**
 * Status and Content-Range of a read (RangeQuery.rangeStatusHeader): 200 without a count; with one,
 * 206 when the page is not all of it, 416 when the offset is past the end.
 */
function readAnswer(req: ApiRequest, range: RowRange, row: ResultRow, headers: Record<string, string>, media: Media): ApiResponse {
  const lower = range.lower
  const upper = lower + row.pageTotal - 1
  const total = row.total ?? undefined
  let status = 200
  if (total !== undefined) {
    if (lower > total) status = 416
    else if (1 + upper - lower < total) status = 206
  }
  const allHeaders = { 'Content-Range': contentRange(lower, upper, total), ...headers }
  if (status === 416) {
    const error = new ApiError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${lower} was requested, but there are only ${total ?? 0} rows.`)
    return { status, headers: { ...allHeaders, 'Content-Type': JSON_TYPE }, body: JSON.stringify(error.body()) }
  }
  return { status, headers: { ...allHeaders, 'Content-Type': media.contentType }, body: req.method === 'HEAD' ? undefined : row.body }
}

async function read(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  range: RowRange,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const table = await findTable(ctx, name)
  const tableQ = qualified(table.schema, table.name)
  const params = new Params()
  const text = readStatement(
    { from: tableQ, qualifier: tableQ, select: query.select, filters: query.filters, order: query.order, range, count: prefs.count !== undefined, media },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, true, media), text, params.values)
  const headers = withPreferences(
    { 'Content-Location': `/${encodeURIComponent(name)}${query.canonical ? `?${query.canonical}` : ''}`, ...profileHeaders },
    { count: prefs.count },
  )
  return readAnswer(req, range, row, headers, media)
}

interface JsonPayload {
  /** The body text handed to PostgreSQL. */
  text: string
  isObject: boolean
  /** Columns named by `columns` or by the payload's keys. */
  keys: string[]
}

/**
 * The body of a write (ApiRequest/Payload.hs): with `columns`, the raw body goes to PostgreSQL as is
 * (which reports invalid JSON itself); without, it must be JSON whose objects all have the same keys.
 */
function parsePayload(body: Buffer, query: ParsedQuery): JsonPayload {
  const text = body.toString('utf8')
  const isObject = text.trimStart().startsWith('{')
  if (query.columns) return { text, isObject, keys: query.columns }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw invalidBody('Empty or invalid json')
  }
  if (Array.isArray(json)) {
    if (json.length === 0) return { text: '[]', isObject: false, keys: [] }
    const first: unknown = json[0]
    if (typeof first !== 'object' || first === null || Array.isArray(first)) throw invalidBody('All object keys must match')
    const keys = Object.keys(first).sort()
    const same = json.every((o: unknown) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return false
      const k = Object.keys(o).sort()
      return k.length === keys.length && k.every((x, i) => x === keys[i])
    })
    if (!same) throw invalidBody('All object keys must match')
    return { text, isObject: false, keys }
  }
  if (typeof json === 'object' && json !== null) return { text, isObject: true, keys: Object.keys(json) }
  // PostgREST turns any other JSON value into an empty array.
  return { text: '[]', isObject: false, keys: [] }
}

/** Every payload column must exist: PGRST204 otherwise, with PostgREST's message. */
async function resolveColumns(ctx: HandlerContext, table: Table, keys: string[]): Promise<{ table: Table; columns: Column[] }> {
  const columns: Column[] = []
  let current = table
  for (const key of keys) {
    const found = await ctx.cache.column(current, key)
    current = found.table
    if (!found.column) throw columnNotFound(table.name, key)
    columns.push(found.column)
  }
  return { table: current, columns }
}

function representation(prefs: Preferences): boolean {
  return prefs.return === 'representation'
}

async function insert(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const payload = parsePayload(req.body, query)
  const found = await findTable(ctx, name)
  const { table, columns } = await resolveColumns(ctx, found, payload.keys)
  const conflictTarget = query.onConflict ?? table.primaryKey
  const params = new Params()
  const text = insertStatement(
    {
      table,
      columns,
      body: payload.text,
      isObject: payload.isObject,
      applyDefaults: prefs.missing === 'default',
      onConflict: prefs.resolution ? { target: conflictTarget, action: prefs.resolution === 'merge-duplicates' ? 'merge' : 'ignore' } : undefined,
      output: { table, select: representation(prefs) ? expandStar(query.select, table) : [], media },
    },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  // Response.hs, isInsertIfGTZero: with merge-duplicates, 201 only when a row was actually inserted.
  const status = prefs.resolution === 'merge-duplicates' && !(row.inserted !== null && row.inserted > 0) ? 200 : 201
  const applied: Preferences = {
    // The resolution is only reported when there was a conflict target to apply it to.
    resolution: conflictTarget.length > 0 ? prefs.resolution : undefined,
    missing: prefs.missing,
    return: prefs.return,
    count: prefs.count,
  }
  const headers = withPreferences({ 'Content-Range': contentRange(1, 0, prefs.count ? row.pageTotal : undefined) }, applied)
  if (!representation(prefs)) return { status, headers }
  return { status, headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders }, body: row.body }
}

async function update(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const payload = parsePayload(req.body, query)
  const found = await findTable(ctx, name)
  const { table, columns } = await resolveColumns(ctx, found, payload.keys)
  const params = new Params()
  const text = updateStatement(
    {
      table,
      columns,
      body: payload.text,
      isObject: payload.isObject,
      applyDefaults: prefs.missing === 'default',
      filters: query.filters,
      output: { table, select: representation(prefs) ? expandStar(query.select, table) : [], media },
    },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  const headers = withPreferences(
    { 'Content-Range': contentRange(0, row.pageTotal - 1, prefs.count ? row.pageTotal : undefined) },
    { missing: prefs.missing, return: prefs.return, count: prefs.count },
  )
  if (!representation(prefs)) return { status: 204, headers }
  return { status: 200, headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders }, body: row.body }
}

async function remove(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const table = await findTable(ctx, name)
  const params = new Params()
  const text = deleteStatement(table, query.filters, { table, select: representation(prefs) ? expandStar(query.select, table) : [], media }, params)
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  const headers = withPreferences(
    { 'Content-Range': contentRange(1, 0, prefs.count ? row.pageTotal : undefined) },
    { return: prefs.return, count: prefs.count },
  )
  if (!representation(prefs)) return { status: 204, headers }
  return { status: 200, headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders }, body: row.body }
}

function isJsonType(type: string): boolean {
  return type === 'json' || type === 'jsonb'
}

/**
 * Picks the overload PostgREST would call: every argument sent must be a parameter and every
 * parameter without a default must be sent; failing that, a function with one unnamed json/jsonb
 * parameter takes the whole body.
 */
function chooseRoutine(overloads: Routine[], keys: string[], isPost: boolean): { routine: Routine; passed: CallSpec['passed'] } | 'ambiguous' | undefined {
  const named = overloads.filter((r) => {
    const names = new Set(r.params.map((p) => p.name))
    if (r.params.some((p) => p.name === '') && r.params.length > 0) return false
    return keys.every((k) => names.has(k)) && r.params.every((p) => p.optional || keys.includes(p.name))
  })
  if (named.length > 1) return 'ambiguous'
  if (named.length === 1) {
    const [routine] = named
    return { routine, passed: routine.params.filter((p) => keys.includes(p.name)) }
  }
  if (isPost) {
    const single = overloads.find((r) => r.params.length === 1 && r.params[0].name === '' && isJsonType(r.params[0].type))
    if (single) return { routine: single, passed: 'single' }
  }
  return undefined
}

function noRoutineError(ctx: HandlerContext, name: string, keys: string[], overloads: Routine[], isPost: boolean): ApiError {
  const fn = `${ctx.schema}.${name}`
  const sortedKeys = [...keys].sort()
  const paramsMessage = sortedKeys.length ? `(${sortedKeys.join(', ')})` : ' without parameters'
  const paramsDetails = sortedKeys.length
    ? ` with parameter${sortedKeys.length > 1 ? 's' : ''} ${sortedKeys.join(', ')}`
    : ' without parameters'
  let hint: string | null = null
  if (overloads.length > 0) {
    // PostgREST compares the sorted parameter lists with a loose (0.33) fuzzy score.
    const listToText = (names: string[]): string => `(${[...names].sort().join(', ')})`
    const close = closestName(listToText(keys), overloads.map((r) => listToText(r.params.map((p) => p.name))), 0.33)
    if (close) hint = `Perhaps you meant to call the function ${fn}${close}`
  } else {
    const close = closestName(name, ctx.cache.routineNames())
    if (close) hint = `Perhaps you meant to call the function ${ctx.schema}.${close}`
  }
  return new ApiError(
    404,
    'PGRST202',
    `Could not find the function ${fn}${paramsMessage} in the schema cache`,
    // Only a JSON body could have gone to a single unnamed json parameter.
    `Searched for the function ${fn}${paramsDetails}${isPost ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
    hint,
  )
}

async function callFunction(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  range: RowRange,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const isPost = req.method === 'POST'
  let args: string
  let keys: string[]
  if (isPost) {
    const text = req.body.toString('utf8')
    let json: unknown = {}
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text)
      } catch {
        throw invalidBody('Empty or invalid json')
      }
    }
    args = text.trim() === '' ? '{}' : text
    keys = typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json) : []
  } else {
    args = JSON.stringify(query.rpcArgs)
    keys = Object.keys(query.rpcArgs)
  }
  // Reload once before answering 404 or a signature mismatch: the function may be new.
  let overloads = await ctx.cache.routineOverloads(name, false)
  let choice = chooseRoutine(overloads, keys, isPost)
  if (choice === undefined) {
    overloads = await ctx.cache.routineOverloads(name, true)
    choice = chooseRoutine(overloads, keys, isPost)
  }
  if (choice === 'ambiguous') {
    throw new ApiError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${overloads
        .map((r) => `${ctx.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`)
        .join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    )
  }
  if (!choice) throw noRoutineError(ctx, name, keys, overloads, isPost)
  const { routine, passed } = choice

  const params = new Params()
  const ctes = callCte({ routine, args, passed }, params)
  const alias = ident(routine.name)
  const shape = routine.returnsComposite ? (routine.returnsSet ? 'rows' : 'single-row') : routine.returnsSet ? 'scalars' : 'scalar'
  const text = readStatement(
    {
      ctes,
      from: `pgrst_call_result ${alias}`,
      qualifier: alias,
      select: query.select,
      filters: query.filters,
      order: query.order,
      range,
      count: prefs.count !== undefined,
      shape,
      media,
    },
    params,
  )
  // A read (GET/HEAD) runs read-only, so a volatile function fails there as it does with PostgREST.
  const row = await runStatement(ctx, auth, txOptions(req, !isPost, media), text, params.values)
  const headers = withPreferences(profileHeaders, { count: prefs.count })
  if (routine.returnsVoid) {
    const lower = range.lower
    return { status: 204, headers: { 'Content-Range': contentRange(lower, lower + row.pageTotal - 1, row.total ?? undefined), ...headers } }
  }
  return readAnswer(req, range, row, headers, media)
}
