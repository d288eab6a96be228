/**
 * The verbs on a table (or view): GET/HEAD read, POST insert/upsert, PATCH update, DELETE, with the
 * statuses and headers of PostgREST's Response.hs. Reads are cut to max-rows; writes never are
 * (Plan.treeRestrictRange leaves mutations alone, `return=representation` included).
 */
import type { AuthResult } from './auth.js'
import type { ApiRequest, ApiResponse, HandlerContext, Output } from './context.js'
import { columnNotFound, invalidBody, tableNotFound } from './errors.js'
import { withPreferences, type Preferences } from './media.js'
import { deleteStatement, expandStar, insertStatement, updateStatement } from './mutate.js'
import type { ParsedQuery } from './query.js'
import { contentRange, restrictRange, type RowRange } from './range.js'
import { readAnswer } from './response.js'
import { closestName, type Column, type Table } from './schema.js'
import { Params, qualified, readStatement } from './sql.js'
import { runStatement, txOptions } from './transaction.js'

export async function findTable(ctx: HandlerContext, name: string): Promise<Table> {
  const table = await ctx.cache.table(name)
  if (!table) throw tableNotFound(ctx.schema, name, closestName(name, ctx.cache.tableNames()))
  return table
}

export async function read(
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
    {
      from: tableQ,
      qualifier: tableQ,
      select: query.select,
      filters: query.filters,
      order: query.order,
      range: restrictRange(range, ctx.maxRows),
      count: prefs.count !== undefined,
      media,
    },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, true, media), text, params.values)
  const headers = withPreferences(
    {
      'Content-Location': `/${encodeURIComponent(name)}${query.canonical ? `?${query.canonical}` : ''}`,
      ...profileHeaders,
    },
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
    if (typeof first !== 'object' || first === null || Array.isArray(first))
      throw invalidBody('All object keys must match')
    const keys = Object.keys(first).sort()
    const same = json.every((o: unknown) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return false
      const k = Object.keys(o).sort()
      return k.length === keys.length && k.every((x, i) => x === keys[i])
    })
    if (!same) throw invalidBody('All object keys must match')
    return { text, isObject: false, keys }
  }
  if (typeof json === 'object' && json !== null)
    return { text, isObject: true, keys: Object.keys(json) }
  // PostgREST turns any other JSON value into an empty array.
  return { text: '[]', isObject: false, keys: [] }
}

/** Every payload column must exist: PGRST204 otherwise, with PostgREST's message. */
async function resolveColumns(
  ctx: HandlerContext,
  table: Table,
  keys: string[],
): Promise<{ table: Table; columns: Column[] }> {
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

export async function insert(
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
      onConflict: prefs.resolution
        ? {
            target: conflictTarget,
            action: prefs.resolution === 'merge-duplicates' ? 'merge' : 'ignore',
          }
        : undefined,
      output: {
        table,
        select: representation(prefs) ? expandStar(query.select, table) : [],
        media,
      },
    },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  // Response.hs, isInsertIfGTZero: with merge-duplicates, 201 only when a row was actually inserted.
  const status =
    prefs.resolution === 'merge-duplicates' && !(row.inserted !== null && row.inserted > 0)
      ? 200
      : 201
  const applied: Preferences = {
    // The resolution is only reported when there was a conflict target to apply it to.
    resolution: conflictTarget.length > 0 ? prefs.resolution : undefined,
    missing: prefs.missing,
    return: prefs.return,
    count: prefs.count,
  }
  const headers = withPreferences(
    { 'Content-Range': contentRange(1, 0, prefs.count ? row.pageTotal : undefined) },
    applied,
  )
  if (!representation(prefs)) return { status, headers }
  return {
    status,
    headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders },
    body: row.body,
  }
}

export async function update(
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
      output: {
        table,
        select: representation(prefs) ? expandStar(query.select, table) : [],
        media,
      },
    },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  const headers = withPreferences(
    {
      'Content-Range': contentRange(0, row.pageTotal - 1, prefs.count ? row.pageTotal : undefined),
    },
    { missing: prefs.missing, return: prefs.return, count: prefs.count },
  )
  if (!representation(prefs)) return { status: 204, headers }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders },
    body: row.body,
  }
}

export async function remove(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const table = await findTable(ctx, name)
  const params = new Params()
  const text = deleteStatement(
    table,
    query.filters,
    { table, select: representation(prefs) ? expandStar(query.select, table) : [], media },
    params,
  )
  const row = await runStatement(ctx, auth, txOptions(req, false, media), text, params.values)
  const headers = withPreferences(
    { 'Content-Range': contentRange(1, 0, prefs.count ? row.pageTotal : undefined) },
    { return: prefs.return, count: prefs.count },
  )
  if (!representation(prefs)) return { status: 204, headers }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': media.contentType, ...profileHeaders },
    body: row.body,
  }
}
