/**
 * One API request, from the parsed HTTP request to the response: the route (`/rest/v1/<table>`,
 * `/rest/v1/rpc/<fn>`), authentication, schema profile, Accept and Prefer, and the dispatch to the
 * table verbs (tables.ts) or the function call (rpc.ts). Every failure becomes PostgREST's error
 * response here.
 */
import { authenticate } from './auth.js'
import {
  header,
  type ApiRequest,
  type ApiResponse,
  type HandlerContext,
  type Output,
  type Resource,
} from './context.js'
import { ApiError, invalidPath } from './errors.js'
import { negotiateMedia, parsePrefer } from './media.js'
import { parseQuery } from './query.js'
import { topLevelRange } from './range.js'
import { errorResponse } from './response.js'
import { callFunction } from './rpc.js'
import { insert, read, remove, update } from './tables.js'

export type { ApiRequest, ApiResponse, HandlerContext, Resource } from './context.js'
export { errorResponse } from './response.js'

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

/** Answers one request; every failure becomes the PostgREST error response. */
export async function handleRequest(ctx: HandlerContext, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await dispatch(ctx, req)
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error)
    // A bug in the stand-in, not a database error: say so loudly rather than as a 4xx.
    const message = error instanceof Error ? error.message : String(error)
    return errorResponse(
      new ApiError(500, 'PGRSTX00', `Internal error in the PostgREST stand-in: ${message}`),
    )
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
  if (
    (method === 'PATCH' || method === 'DELETE') &&
    (query.limit !== undefined || query.offset !== undefined)
  ) {
    // PostgREST limits such writes to the first rows by `order`; ignoring the limit would change
    // more rows than asked, so refuse instead.
    throw new ApiError(
      400,
      'PGRST127',
      'Feature not implemented',
      'limit/offset on PATCH and DELETE are not supported by the stand-in',
    )
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
      throw new ApiError(
        400,
        'PGRST127',
        'Feature not implemented',
        'PUT (single-row upsert) is not supported by the stand-in',
      )
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
    throw new ApiError(
      406,
      'PGRST106',
      `Invalid schema: ${requested}`,
      null,
      `Only the following schemas are exposed: ${ctx.schema}`,
    )
  }
  return true
}
