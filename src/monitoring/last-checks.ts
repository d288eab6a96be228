/**
 * The last full check (validate) of each synced collection: this process's, else the latest one the
 * Sync events recorded (another instance, before a restart). The dashboard's verdict and `/health`
 * rest on it: checks run on whichever instance takes the checks' queue.
 */
import type { Payload } from 'payload'
import { eventsSlug } from '../collections/events.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import type { LastCheck } from './health.js'

type ValidateEvent = { details?: { check?: Partial<LastCheck> } | null }

/**
 * The last full check of each collection: the newer of this process's `runtime.lastCheck` and the
 * latest `validate` Sync event that carries `details.check` (a check of another instance, or before a
 * restart). Checks of some ids only carry no `check` and do not count.
 */
export async function loadLastChecks(
  payload: Payload,
  runtime: SyncRuntime,
): Promise<Map<string, LastCheck>> {
  const checks = new Map<string, LastCheck>()
  await Promise.all(
    [...runtime.collections.keys()].map(async (slug) => {
      const local = runtime.lastCheck.get(slug)
      let fromEvent: LastCheck | undefined
      try {
        const { docs } = await payload.find({
          collection: eventsSlug,
          where: {
            and: [{ collectionSlug: { equals: slug } }, { action: { equals: 'validate' } }],
          },
          sort: '-createdAt',
          limit: 10,
          depth: 0,
          pagination: false,
          overrideAccess: true,
        })
        for (const event of docs as ValidateEvent[]) {
          const check = event.details?.check
          if (check && typeof check.at === 'string') {
            fromEvent = {
              at: check.at,
              missing: Number(check.missing ?? 0),
              extra: Number(check.extra ?? 0),
              changed: Number(check.changed ?? 0),
              failed: Number(check.failed ?? 0),
              source: 'event',
            }
            break
          }
        }
      } catch {
        // the audit trail is a fallback here
      }
      const newest =
        local && (!fromEvent || Date.parse(local.at) >= Date.parse(fromEvent.at))
          ? { ...local, source: 'process' as const }
          : fromEvent
      if (newest) checks.set(slug, newest)
    }),
  )
  return checks
}
