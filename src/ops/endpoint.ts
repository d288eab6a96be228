/**
 * One REST endpoint under /api/supabase-sync/…, with the checks every request goes through, in this
 * order, a refusal changing nothing: a user (401), the right the endpoint needs (403, recorded for
 * write operations), a JSON body for POST (415 — a cross-site form cannot send one without a CORS
 * preflight), each parameter (400, naming it). Failures are answered without SQL, stacks or keys, with
 * the id of their log line.
 */
import { randomUUID } from 'node:crypto'
import { APIError, type Endpoint, type Payload, type PayloadRequest } from 'payload'
import type { z } from 'zod'
import { BusyError, InputError, MassDeleteError } from '../errors.js'
import { findRuntime } from '../lifecycle/registry.js'
import type { Right } from './access.js'
import { actorOf, recordEvent } from './audit.js'
import { publicFailure, refuse } from './http-errors.js'
import { parseInput, type Input } from './inputs.js'
import type { Refusals } from './refusals.js'

export type Action = 'validate' | 'sync' | 'retry' | 'reset' | 'pull'

export interface Route {
  path: string
  method: 'get' | 'post'
  right: Right
  /** Write operations are recorded in the Sync events, also when refused or failed. */
  records?: Action
  /** Extra body parameters this endpoint takes (beyond collection and ids). */
  flags?: z.ZodRawShape
  run(req: PayloadRequest, input: Input): Promise<unknown>
}

export const json = (body: unknown, status = 200) => Response.json(body, { status })

/** Narrows an answer to what the request's user may see (reader-view.ts). */
export type ReaderView<T> = (payload: Payload, req: PayloadRequest, answer: T) => Promise<T>

/**
 * Makes routes' `run`s whose answer goes through `view` first: every endpoint that answers about
 * documents answers as its caller may see them, and this keeps that step out of each operation's call.
 * (Curried: TypeScript infers `T` from `view` alone, also when `view` is generic itself.)
 */
export function forReader<T>(view: ReaderView<T>) {
  return (run: (req: PayloadRequest, input: Input) => Promise<T>): Route['run'] =>
    async (req, input) =>
      view(req.payload, req, await run(req, input))
}

export function routeEndpoint(refusals: Refusals, route: Route): Endpoint {
  return {
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
      await refusals.demand(req, runtime, {
        right: route.right,
        collectionSlug,
        action: route.records,
      })
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
        const actor = actorOf(req, 'endpoint')
        runtime.logger.error(
          { err: error, logId, endpoint: route.path, user: actor.user },
          `supabase-sync: ${route.path} failed`,
        )
        // A busy refusal is recorded too: who tried what, and that nothing ran.
        if (route.records)
          await recordEvent(runtime, {
            action: route.records,
            collectionSlug,
            outcome:
              error instanceof BusyError || error instanceof MassDeleteError ? 'refused' : 'failed',
            summary: `${route.path}: ${failure.message}`,
            details: { logId },
            actor,
          })
        return refuse(failure.status, failure.message, { logId })
      }
    },
  }
}
