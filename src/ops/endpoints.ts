/**
 * REST endpoints under /api/supabase-sync/…, for a logged-in user that passes the `access` option
 * (default: any logged-in user). Anonymous requests get 401, refused ones 403; neither changes anything.
 */
import { addDataAndFileToRequest, type Endpoint, type PayloadRequest } from 'payload'
import { MassDeleteError, SyncError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import { actorOf } from './audit.js'
import { pullFromSupabase } from './pull.js'
import { syncStatus } from './status.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync } from './validate.js'

type Handler = (req: PayloadRequest, body: Record<string, unknown>) => Promise<unknown>

function ids(req: PayloadRequest, body: Record<string, unknown>): string[] | undefined {
  const fromBody = body.ids ?? body.id
  const fromQuery = req.searchParams?.getAll('id')
  const list = Array.isArray(fromBody) ? fromBody.map(String) : typeof fromBody === 'string' ? [fromBody] : fromQuery?.length ? fromQuery : undefined
  return list
}

function collection(req: PayloadRequest, body: Record<string, unknown>): string | undefined {
  return (typeof body.collection === 'string' ? body.collection : undefined) ?? req.searchParams?.get('collection') ?? undefined
}

export function syncEndpoints(options: ResolvedOptions): Endpoint[] {
  const guard =
    (handler: Handler): Endpoint['handler'] =>
    async (req) => {
      if (!req.user) return Response.json({ error: 'Unauthorized: log in to use supabase-sync operations' }, { status: 401 })
      const allowed = options.access ? await options.access({ req }) : true
      if (!allowed) return Response.json({ error: 'Forbidden: the supabase-sync access option refused this user' }, { status: 403 })
      if (req.method !== 'GET') await addDataAndFileToRequest(req)
      const body = (req.data ?? {}) as Record<string, unknown>
      try {
        return Response.json(await handler(req, body))
      } catch (error) {
        const status = error instanceof MassDeleteError ? 409 : error instanceof SyncError && !error.transient ? 400 : 500
        return Response.json({ error: error instanceof Error ? error.message : String(error) }, { status })
      }
    }
  const actor = (req: PayloadRequest) => actorOf(req, 'endpoint')
  return [
    { path: '/supabase-sync/status', method: 'get', handler: guard((req) => syncStatus(req.payload)) },
    {
      path: '/supabase-sync/validate',
      method: 'get',
      handler: guard((req, body) => validateSync(req.payload, { collection: collection(req, body), ids: ids(req, body), actor: actor(req) })),
    },
    {
      path: '/supabase-sync/validate',
      method: 'post',
      handler: guard((req, body) => validateSync(req.payload, { collection: collection(req, body), ids: ids(req, body), actor: actor(req) })),
    },
    {
      path: '/supabase-sync/sync',
      method: 'post',
      handler: guard((req, body) =>
        syncDocuments(req.payload, { collection: collection(req, body), ids: ids(req, body), force: body.force === true, actor: actor(req) }),
      ),
    },
    {
      path: '/supabase-sync/reset',
      method: 'post',
      handler: guard((req, body) => {
        // Deleting a whole table from a browser needs both: the confirmation and the guard's force flag.
        if (body.confirm !== true || body.force !== true) {
          throw new SyncError('supabase-sync: reset deletes every row of the table; send { "confirm": true, "force": true }', { operation: 'reconcile' })
        }
        return resetTable(req.payload, { collection: collection(req, body), confirm: true, force: body.force === true, actor: actor(req) })
      }),
    },
    {
      path: '/supabase-sync/pull',
      method: 'post',
      handler: guard((req, body) => pullFromSupabase(req.payload, { collection: collection(req, body), ids: ids(req, body), actor: actor(req) })),
    },
  ]
}
