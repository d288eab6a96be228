/**
 * `GET /api/supabase-sync/metrics` (Prometheus text format: a bearer token, or a user with `read`) and
 * `GET /api/supabase-sync/health` (200 ok / 503 degraded, for uptime monitors and readiness probes:
 * anyone gets the status word; the reasons need the token or a user with `read`).
 */
import { timingSafeEqual } from 'node:crypto'
import type { Endpoint, PayloadRequest } from 'payload'
import { findRuntime } from '../lifecycle/registry.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import type { Access } from '../ops/access.js'
import { allowed } from '../ops/access.js'
import type { ResolvedOptions } from '../options.js'
import { loadLastChecks } from './last-checks.js'
import { assessSync, type HealthSignals } from './health.js'

function bearer(req: PayloadRequest, token: string | undefined): boolean {
  if (!token) return false
  const given = (req.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '')
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** What the health rules look at, now: one probe of Supabase, the job counts, the last checks. */
export async function healthSignals(runtime: SyncRuntime): Promise<HealthSignals> {
  const first = runtime.collections.values().next().value
  const failure = first ? await runtime.target.probe(first.spec) : null
  const counts = await runtime.jobs.counts()
  return {
    supabaseUp: !failure || failure.kind === 'endpoint',
    supabaseError: failure?.message,
    failedJobs: counts.failed,
    oldestPendingAgeMs: counts.oldestPendingAgeMs,
    paused: runtime.runner?.pause?.error.message,
    // The newer of this process's last check and the Sync events': the checks run on whichever
    // instance takes their queue, so this one's may be old (or none).
    drift: [...(await loadLastChecks(runtime.payload, runtime)).entries()].map(
      ([collection, check]) => ({ collection, ...check }),
    ),
  }
}

export function monitoringEndpoints(options: ResolvedOptions, access: Access): Endpoint[] {
  return [
    {
      path: '/supabase-sync/metrics',
      method: 'get',
      handler: async (req) => {
        const runtime = findRuntime(req.payload)
        if (!runtime)
          return Response.json(
            { errors: [{ message: 'supabase-sync is not running in this app instance' }] },
            { status: 503 },
          )
        if (!bearer(req, options.metrics.token) && !(await allowed(access, 'read', req))) {
          return Response.json(
            {
              errors: [
                {
                  message: req.user
                    ? 'Forbidden'
                    : 'Unauthorized: a bearer token (metrics.token) or a user with read access',
                },
              ],
            },
            { status: req.user ? 403 : 401 },
          )
        }
        const { body, contentType } = await runtime.metrics.text()
        return new Response(body, { status: 200, headers: { 'content-type': contentType } })
      },
    },
    {
      path: '/supabase-sync/health',
      method: 'get',
      handler: async (req) => {
        const runtime = findRuntime(req.payload)
        if (!runtime) return Response.json({ status: 'degraded' }, { status: 503 })
        const health = assessSync(await healthSignals(runtime), {
          pendingOlderThanMs: options.health.pendingOlderThan,
        })
        const detailed =
          bearer(req, options.health.token ?? options.metrics.token) ||
          (await allowed(access, 'read', req))
        return Response.json(detailed ? health : { status: health.status }, {
          status: health.status === 'ok' ? 200 : 503,
        })
      },
    },
  ]
}
