/**
 * REST endpoints under /api/supabase-sync/…: the operations for the admin and for scripts. What they
 * answer about a document is as the caller may see it (reader-view.ts): no values, titles or failure
 * causes of documents the collection's own read access keeps from the caller.
 *
 * Every request is checked in this order, and a refusal changes nothing: a user (401), the right the
 * endpoint needs (403, recorded in the Sync events for write operations), a JSON body for POST (415 —
 * a cross-site form cannot send one without a CORS preflight), each parameter (400, naming it), and
 * one run per collection at a time (409). GET endpoints change nothing and record nothing. Errors tell
 * what went wrong and where to look (the Sync event or the log line), never SQL, stacks or keys.
 */
import type { Endpoint } from 'payload'
import { z } from 'zod'
import type { ResolvedOptions } from '../options.js'
import { resolveAccess } from './access.js'
import { actorOf } from './audit.js'
import { documentStates } from './compare.js'
import { forReader, routeEndpoint, type Route } from './endpoint.js'
import { refuse } from './http-errors.js'
import { pullFromSupabase } from './pull.js'
import { resultForReader, statusForReader } from './reader-view.js'
import { forceDemand, Refusals } from './refusals.js'
import { retryFailed } from './retry.js'
import { runEndpoints } from './run-endpoints.js'
import { syncStatus } from './status.js'
import { resetTable, syncDocuments } from './sync.js'
import { validateSync } from './validate.js'
import { findRuntime } from '../lifecycle/registry.js'

export function syncEndpoints(options: ResolvedOptions): Endpoint[] {
  const refusals = new Refusals(resolveAccess(options.access))
  const actor = (req: Parameters<Route['run']>[0]) => actorOf(req, 'endpoint')
  const endpoint = (route: Route): Endpoint => routeEndpoint(refusals, route)
  /** An operation's result as the caller may see it. */
  const readerResult = forReader(resultForReader)
  /** Collections whose full GET check runs now in this instance. */
  const getChecks = new Set<string>()

  const confirm = {
    confirm: z.literal(true, { error: 'must be true: reset rewrites the whole table' }),
  }
  return [
    endpoint({
      path: '/supabase-sync/status',
      method: 'get',
      right: 'read',
      run: forReader(statusForReader)((req) => syncStatus(req.payload)),
    }),
    endpoint({
      path: '/supabase-sync/validate',
      method: 'get',
      right: 'read',
      // A link or an image tag can trigger a GET (the admin's cookie is Lax): it only reads —
      // records nothing, leaves the health's last check as it was, and holds no operation lock (the
      // console's and the scheduled checks are never refused as busy because of it). A full check
      // of a collection runs once at a time per instance here, so links cannot pile them up. The
      // answer is narrowed for the reader inside that once-at-a-time, as it always was: not readerResult.
      run: async (req, input) => {
        const full = !input.ids
        if (full && getChecks.has(input.collection))
          refuse(
            409,
            `Conflict: a GET check of "${input.collection}" runs already in this app instance; a full check that counts is POST /api/supabase-sync/validate (or POST …/runs { "op": "validate" })`,
          )
        if (full) getChecks.add(input.collection)
        try {
          const result = await validateSync(req.payload, {
            collection: input.collection,
            ids: input.ids,
            passive: true,
          })
          return await resultForReader(req.payload, req, result)
        } finally {
          if (full) getChecks.delete(input.collection)
        }
      },
    }),
    endpoint({
      path: '/supabase-sync/validate',
      method: 'post',
      right: 'read',
      records: 'validate',
      run: readerResult((req, input) =>
        validateSync(req.payload, {
          collection: input.collection,
          ids: input.ids,
          actor: actor(req),
        }),
      ),
    }),
    endpoint({
      path: '/supabase-sync/sync',
      method: 'post',
      right: 'sync',
      records: 'sync',
      flags: { force: z.boolean().optional() },
      run: readerResult(async (req, input) => {
        if (input.flags.force === true)
          await refusals.demand(
            req,
            findRuntime(req.payload)!,
            forceDemand(input.collection, 'sync'),
          )
        return syncDocuments(req.payload, {
          collection: input.collection,
          ids: input.ids,
          force: input.flags.force === true,
          actor: actor(req),
        })
      }),
    }),
    endpoint({
      path: '/supabase-sync/retry',
      method: 'post',
      right: 'sync',
      records: 'retry',
      run: readerResult((req, input) =>
        retryFailed(req.payload, {
          collection: input.collection,
          ids: input.ids,
          actor: actor(req),
        }),
      ),
    }),
    endpoint({
      path: '/supabase-sync/reset',
      method: 'post',
      right: 'reset',
      records: 'reset',
      flags: { ...confirm, force: z.boolean().optional() },
      run: readerResult((req, input) =>
        resetTable(req.payload, {
          collection: input.collection,
          confirm: true,
          force: input.flags.force === true,
          actor: actor(req),
        }),
      ),
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
        // As the user: values only of documents the collection's read access lets the user read.
        return documentStates(req.payload, { collection: input.collection, ids: input.ids!, req })
      },
    }),
    ...runEndpoints(refusals),
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
      run: readerResult((req, input) =>
        pullFromSupabase(req.payload, {
          collection: input.collection,
          ids: input.ids,
          force: input.flags.force === true,
          fields: input.flags.fields as string[] | undefined,
          actor: actor(req),
          user: req.user,
        }),
      ),
    }),
  ]
}
