/**
 * POST/GET/HEAD on `/rpc/<fn>`: which function a request calls (overloads, defaults, one unnamed
 * json/jsonb parameter; PostgREST's Plan/CallPlan and SchemaCache routine lookup), the call, and
 * the read of its result. A set-returning function's rows are cut to max-rows like a table's; a
 * function returning one value (a scalar, jsonb, one composite) is one row, so it is never cut.
 */
import type { AuthResult } from './auth.js'
import type { ApiRequest, ApiResponse, HandlerContext, Output } from './context.js'
import { ApiError, invalidBody } from './errors.js'
import { withPreferences } from './media.js'
import type { ParsedQuery } from './query.js'
import { contentRange, restrictRange, type RowRange } from './range.js'
import { readAnswer } from './response.js'
import { closestName, type Routine } from './schema.js'
import { Params, callCte, ident, readStatement, type CallSpec } from './sql.js'
import { runStatement, txOptions } from './transaction.js'

function isJsonType(type: string): boolean {
  return type === 'json' || type === 'jsonb'
}

/**
 * Picks the overload PostgREST would call: every argument sent must be a parameter and every
 * parameter without a default must be sent; failing that, a function with one unnamed json/jsonb
 * parameter takes the whole body.
 */
function chooseRoutine(
  overloads: Routine[],
  keys: string[],
  isPost: boolean,
): { routine: Routine; passed: CallSpec['passed'] } | 'ambiguous' | undefined {
  const named = overloads.filter((r) => {
    const names = new Set(r.params.map((p) => p.name))
    if (r.params.some((p) => p.name === '') && r.params.length > 0) return false
    return (
      keys.every((k) => names.has(k)) && r.params.every((p) => p.optional || keys.includes(p.name))
    )
  })
  if (named.length > 1) return 'ambiguous'
  if (named.length === 1) {
    const [routine] = named
    return { routine, passed: routine.params.filter((p) => keys.includes(p.name)) }
  }
  if (isPost) {
    const single = overloads.find(
      (r) => r.params.length === 1 && r.params[0].name === '' && isJsonType(r.params[0].type),
    )
    if (single) return { routine: single, passed: 'single' }
  }
  return undefined
}

function noRoutineError(
  ctx: HandlerContext,
  name: string,
  keys: string[],
  overloads: Routine[],
  isPost: boolean,
): ApiError {
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
    const close = closestName(
      listToText(keys),
      overloads.map((r) => listToText(r.params.map((p) => p.name))),
      0.33,
    )
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

/** The arguments: the JSON body of a POST, or the query-string parameters that are not filters. */
function callArguments(req: ApiRequest, query: ParsedQuery): { args: string; keys: string[] } {
  if (req.method !== 'POST')
    return { args: JSON.stringify(query.rpcArgs), keys: Object.keys(query.rpcArgs) }
  const text = req.body.toString('utf8')
  if (text.trim() === '') return { args: '{}', keys: [] }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw invalidBody('Empty or invalid json')
  }
  return {
    args: text,
    keys:
      typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json) : [],
  }
}

/** The overload to call; reloads the schema cache once before answering 404 (the function may be new). */
async function resolveRoutine(
  ctx: HandlerContext,
  name: string,
  keys: string[],
  isPost: boolean,
): Promise<{ routine: Routine; passed: CallSpec['passed'] }> {
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
        .map(
          (r) =>
            `${ctx.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`,
        )
        .join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    )
  }
  if (!choice) throw noRoutineError(ctx, name, keys, overloads, isPost)
  return choice
}

export async function callFunction(
  ctx: HandlerContext,
  req: ApiRequest,
  auth: AuthResult,
  name: string,
  query: ParsedQuery,
  range: RowRange,
  { prefs, media, profileHeaders }: Output,
): Promise<ApiResponse> {
  const isPost = req.method === 'POST'
  const { args, keys } = callArguments(req, query)
  const { routine, passed } = await resolveRoutine(ctx, name, keys, isPost)

  const params = new Params()
  const ctes = callCte({ routine, args, passed }, params)
  const alias = ident(routine.name)
  const shape = routine.returnsComposite
    ? routine.returnsSet
      ? 'rows'
      : 'single-row'
    : routine.returnsSet
      ? 'scalars'
      : 'scalar'
  const text = readStatement(
    {
      ctes,
      from: `pgrst_call_result ${alias}`,
      qualifier: alias,
      select: query.select,
      filters: query.filters,
      order: query.order,
      // Plan.treeRestrictRange applies max-rows to a call's read plan as to a table's.
      range: restrictRange(range, ctx.maxRows),
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
    return {
      status: 204,
      headers: {
        'Content-Range': contentRange(lower, lower + row.pageTotal - 1, row.total ?? undefined),
        ...headers,
      },
    }
  }
  return readAnswer(req, range, row, headers, media)
}
