/**
 * The background runs' endpoints: `POST /runs` starts a validate, sync or reset (the right is the
 * operation's), `GET /runs/:id` polls it, `POST /runs/:id/cancel` stops it after its current page.
 */
import type { Endpoint } from 'payload'
import { z } from 'zod'
import { BusyError } from '../errors.js'
import { findRuntime } from '../lifecycle/registry.js'
import type { Right } from './access.js'
import { actorOf } from './audit.js'
import { forReader, routeEndpoint } from './endpoint.js'
import { isBusy } from './exclusive.js'
import { runForReader } from './reader-view.js'
import { refuse } from './http-errors.js'
import { reportRunFailure } from './run-failure.js'
import { forceDemand, type Refusals } from './refusals.js'
import type { RunKind } from './runs.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync } from './validate.js'

export function runEndpoints(refusals: Refusals): Endpoint[] {
  /** A run's state, its result as the caller may see it. */
  const readerRun = forReader(runForReader)
  return [
    routeEndpoint(refusals, {
      path: '/supabase-sync/runs',
      method: 'post',
      // The right is that of the operation, checked below; `read` lets the caller in.
      right: 'read',
      flags: {
        op: z.enum(['validate', 'sync', 'reset'], { error: 'must be validate, sync or reset' }),
        force: z.boolean().optional(),
        confirm: z.literal(true).optional(),
      },
      run: readerRun(async (req, input) => {
        const kind = input.flags.op as RunKind
        const right: Right = kind === 'validate' ? 'read' : kind
        const runtime = findRuntime(req.payload)!
        // A refused write operation is recorded, as by its own endpoint.
        const action = kind === 'validate' ? undefined : kind
        await refusals.demand(req, runtime, { right, collectionSlug: input.collection, action })
        const force = input.flags.force === true
        if (force && kind === 'sync')
          await refusals.demand(req, runtime, forceDemand(input.collection, 'sync'))
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
        const actor = actorOf(req, 'endpoint')
        const common = { collection: input.collection, actor }
        return runtime.runs.start(
          kind,
          input.collection,
          actor.user,
          (signal, onProgress) =>
            kind === 'validate'
              ? validateSync(req.payload, { ...common, ids: input.ids, signal, onProgress })
              : kind === 'sync'
                ? syncDocuments(req.payload, {
                    ...common,
                    ids: input.ids,
                    force,
                    signal,
                    onProgress,
                  })
                : resetTable(req.payload, { ...common, confirm: true, force, signal, onProgress }),
          reportRunFailure(runtime, actor),
        )
      }),
    }),
    routeEndpoint(refusals, {
      path: '/supabase-sync/runs/:id',
      method: 'get',
      right: 'read',
      // Any user with `read` polls any run: its result as this user may see it.
      run: readerRun(
        async (req) =>
          findRuntime(req.payload)!.runs.get(String(req.routeParams?.id)) ??
          refuse(
            404,
            'Not Found: no such run in this app instance (runs live in the instance that started them)',
          ),
      ),
    }),
    routeEndpoint(refusals, {
      path: '/supabase-sync/runs/:id/cancel',
      method: 'post',
      right: 'read',
      run: async (req) => {
        const runtime = findRuntime(req.payload)!
        const run =
          runtime.runs.get(String(req.routeParams?.id)) ??
          refuse(404, 'Not Found: no such run in this app instance')
        const right: Right = run.kind === 'validate' ? 'read' : run.kind
        await refusals.demand(req, runtime, { right, collectionSlug: run.collection })
        const state = await runtime.runs.cancel(run.id)
        return state && runForReader(req.payload, req, state)
      },
    }),
  ]
}
