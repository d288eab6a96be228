/**
 * REST endpoints under /api/supabase-sync/…: the operations for the admin and for scripts.
 *
 * Every request is checked in this order, and a refusal changes nothing: a user (401), the right the
 * endpoint needs (403, recorded in the Sync events for write operations), a JSON body for POST (415 —
 * a cross-site form cannot send one without a CORS preflight), each parameter (400, naming it), and
 * one run per collection at a time (409). GET endpoints change nothing and record nothing. Errors tell
 * what went wrong and where to look (the Sync event or the log line), never SQL, stacks or keys.
 */
import { randomUUID } from 'node:crypto'
import { APIError, type Endpoint, type PayloadRequest } from 'payload'
import { z } from 'zod'
import { findRuntime } from '../lifecycle/registry.js'
import { BusyError, InputError, MassDeleteError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import { allowed, resolveAccess, type Right } from './access.js'
import { actorOf, recordEvent } from './audit.js'
import { parseInput, type Input } from './inputs.js'
import { documentStates } from './compare.js'
import { isBusy } from './exclusive.js'
import { publicFailure, refuse } from './http-errors.js'
import { pullFromSupabase } from './pull.js'
import { retryFailed } from './retry.js'
import type { RunKind } from './runs.js'
import { syncStatus } from './status.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync } from './validate.js'

type Action = 'validate' | 'sync' | 'retry' | 'reset' | 'pull'

interface Route {
  path: string
  method: 'get' | 'post'
  right: Right
  /** Write operations are recorded in the Sync events, also when refused or failed. */
  records?: Action
  /** Extra body parameters this endpoint takes (beyond collection and ids). */
  flags?: z.ZodRawShape
  run(req: PayloadRequest, input: Input): Promise<unknown>
}

const json = (body: unknown, status = 200) => Response.json(body, { status })
export function syncEndpoints(options: ResolvedOptions): Endpoint[] {
  const access = resolveAccess(options.access)
  const actor = (req: PayloadRequest) => actorOf(req, 'endpoint')

  const endpoint = (route: Route): Endpoint => ({
    path: route.path,
    method: route.method,
    handler: async (req) => {
      if (!req.user) refuse(401, 'Unauthorized: log in to use supabase-sync')
      const runtime = findRuntime(req.payload)
      if (!runtime) return refuse(503, 'supabase-sync is not running in this app instance')
      let body: unknown = {}
      if (route.method === 'post') {
        const type = req.headers.get('content-type') ?? ''
        if (!/^application\/json\b/i.test(type))
          refuse(415, 'Unsupported Media Type: send the body as application/json')
        try {
          body = (req.json ? await req.json() : {}) ?? {}
        } catch {
          refuse(400, 'Bad Request: the body is not valid JSON')
        }
      }
      const named =
        route.method === 'get'
          ? req.searchParams?.get('collection')
          : (body as { collection?: unknown } | null)?.collection
      const collectionSlug =
        typeof named === 'string' && runtime.collections.has(named) ? named : 'dealers'
      const record = (outcome: 'refused' | 'failed', summary: string, details?: unknown) =>
        route.records
          ? recordEvent(runtime, {
              action: route.records,
              collectionSlug,
              outcome,
              summary,
              details,
              actor: actor(req),
            })
          : Promise.resolve()
      if (!(await allowed(access, route.right, req))) {
        await record('refused', `refused: the user may not ${route.right}`)
        refuse(403, `Forbidden: this user may not ${route.right} (supabase-sync access option)`)
      }
      let input: Input
      try {
        input = parseInput(
          runtime,
          route.method === 'get' ? req.searchParams : undefined,
          body,
          route.flags ?? {},
        )
      } catch (error) {
        if (error instanceof InputError) refuse(400, error.message, { parameter: error.field })
        throw error
      }
      try {
        return json(await route.run(req, input))
      } catch (error) {
        // A refusal of the route itself (not found, forbidden): as it is.
        if (error instanceof APIError) throw error
        const failure = publicFailure(error, runtime)
        const logId = randomUUID()
        runtime.logger.error(
          { err: error, logId, endpoint: route.path, user: actor(req).user },
          `supabase-sync: ${route.path} failed`,
        )
        // A busy refusal is recorded too: who tried what, and that nothing ran.
        await record(
          error instanceof BusyError || error instanceof MassDeleteError ? 'refused' : 'failed',
          `${route.path}: ${failure.message}`,
          { logId },
        )
        return refuse(failure.status, failure.message, { logId })
      }
    },
  })

  const confirm = {
    confirm: z.literal(true, { error: 'must be true: reset rewrites the whole table' }),
  }
  return [
    endpoint({
      path: '/supabase-sync/status',
      method: 'get',
      right: 'read',
      run: (req) => syncStatus(req.payload),
    }),
    endpoint({
      path: '/supabase-sync/validate',
      method: 'get',
      right: 'read',
      // A link or an image tag can trigger a GET: it reads, and records nothing.
      run: (req, input) =>
        validateSync(req.payload, { collection: input.collection, ids: input.ids, record: false }),
    }),
    endpoint({
      path: '/supabase-sync/validate',
      method: 'post',
      right: 'read',
      records: 'validate',
      run: (req, input) =>
        validateSync(req.payload, {
          collection: input.collection,
          ids: input.ids,
          actor: actor(req),
        }),
    }),
    endpoint({
      path: '/supabase-sync/sync',
      method: 'post',
      right: 'sync',
      records: 'sync',
      flags: { force: z.boolean().optional() },
      run: (req, input) =>
        syncDocuments(req.payload, {
          collection: input.collection,
          ids: input.ids,
          force: input.flags.force === true,
          actor: actor(req),
        }),
    }),
    endpoint({
      path: '/supabase-sync/retry',
      method: 'post',
      right: 'sync',
      records: 'retry',
      run: (req, input) =>
        retryFailed(req.payload, {
          collection: input.collection,
          ids: input.ids,
          actor: actor(req),
        }),
    }),
    endpoint({
      path: '/supabase-sync/reset',
      method: 'post',
      right: 'reset',
      records: 'reset',
      flags: { ...confirm, force: z.boolean().optional() },
      run: (req, input) =>
        resetTable(req.payload, {
          collection: input.collection,
          confirm: true,
          force: input.flags.force === true,
          actor: actor(req),
        }),
    }),
    endpoint({
      path: '/supabase-sync/documents',
      method: 'get',
      right: 'read',
      run: async (req, input) => {
        if (!input.ids?.length || input.ids.length > 150)
          refuse(400, 'Bad Request: parameter "id" must be given 1 to 150 times', {
            parameter: 'id',
          })
        return documentStates(req.payload, { collection: input.collection, ids: input.ids! })
      },
    }),
    endpoint({
      path: '/supabase-sync/runs',
      method: 'post',
      // The right is that of the operation, checked below; `read` lets the caller in.
      right: 'read',
      flags: {
        op: z.enum(['validate', 'sync', 'reset'], { error: 'must be validate, sync or reset' }),
        force: z.boolean().optional(),
        confirm: z.literal(true).optional(),
      },
      run: async (req, input) => {
        const kind = input.flags.op as RunKind
        const right: Right = kind === 'validate' ? 'read' : kind
        const runtime = findRuntime(req.payload)!
        if (!(await allowed(access, right, req))) {
          // A refused write operation is recorded, as by its own endpoint.
          if (kind !== 'validate')
            await recordEvent(runtime, {
              action: kind,
              collectionSlug: input.collection,
              outcome: 'refused',
              summary: `refused: the user may not ${right}`,
              actor: actor(req),
            })
          refuse(403, `Forbidden: this user may not ${right} (supabase-sync access option)`)
        }
        if (kind === 'reset' && input.flags.confirm !== true)
          refuse(
            400,
            'Bad Request: parameter "confirm" must be true: reset rewrites the whole table',
            { parameter: 'confirm' },
          )
        // One at a time per collection (exclusive.ts): a busy one is a 409 now, not a failed run.
        const operation = kind === 'validate' ? 'validate' : 'sync'
        if (await isBusy(runtime.db, operation, input.collection))
          throw new BusyError(kind, input.collection)
        const force = input.flags.force === true
        const common = { collection: input.collection, actor: actor(req) }
        return runtime.runs.start(kind, input.collection, actor(req).user, (signal, onProgress) =>
          kind === 'validate'
            ? validateSync(req.payload, { ...common, ids: input.ids, signal, onProgress })
            : kind === 'sync'
              ? syncDocuments(req.payload, { ...common, ids: input.ids, force, signal, onProgress })
              : resetTable(req.payload, { ...common, confirm: true, force, signal, onProgress }),
        )
      },
    }),
    endpoint({
      path: '/supabase-sync/runs/:id',
      method: 'get',
      right: 'read',
      run: async (req) =>
        findRuntime(req.payload)!.runs.get(String(req.routeParams?.id)) ??
        refuse(
          404,
          'Not Found: no such run in this app instance (runs live in the instance that started them)',
        ),
    }),
    endpoint({
      path: '/supabase-sync/runs/:id/cancel',
      method: 'post',
      right: 'read',
      run: async (req) => {
        const runs = findRuntime(req.payload)!.runs
        const run =
          runs.get(String(req.routeParams?.id)) ??
          refuse(404, 'Not Found: no such run in this app instance')
        const right: Right = run.kind === 'validate' ? 'read' : run.kind
        if (!(await allowed(access, right, req)))
          refuse(403, `Forbidden: this user may not ${right} (supabase-sync access option)`)
        return runs.cancel(run.id)
      },
    }),
    endpoint({
      path: '/supabase-sync/pull',
      method: 'post',
      right: 'pull',
      records: 'pull',
      flags: {
        force: z.boolean().optional(),
        fields: z
          .array(
            z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[^".,]+)?$/, {
              error: 'must be a column or column.key',
            }),
          )
          .max(100)
          .optional(),
      },
      // Also the collection's own update access, per document: the user's, not the plugin's.
      run: (req, input) =>
        pullFromSupabase(req.payload, {
          collection: input.collection,
          ids: input.ids,
          force: input.flags.force === true,
          fields: input.flags.fields as string[] | undefined,
          actor: actor(req),
          user: req.user,
        }),
    }),
  ]
}
