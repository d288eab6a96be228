/**
 * The last reconcile of each synced collection in one line (this process's, else the latest
 * reconcile-like Sync event), for the health table's "Last reconcile" column.
 */
import type { Payload } from 'payload'
import { eventsSlug } from '../../collections/events.js'
import type { StatusResult } from '../../ops/status.js'
import { formatAge } from '../health.js'

type RunEvent = { action?: string; outcome?: string; summary?: string; createdAt?: string }

export type LastRun = { text: string; ok: boolean }

/** The last reconcile of a collection in this process, else the latest reconcile-like Sync event. */
export async function loadLastRuns(
  payload: Payload,
  status: StatusResult | undefined,
): Promise<Map<string, LastRun>> {
  const runs = new Map<string, LastRun>()
  for (const c of status?.collections ?? []) {
    const last = c.lastReconcile
    if (last) {
      const parts = [
        `${last.scanned} scanned`,
        `${last.upserted} upserted`,
        `${last.deleted} deleted`,
        `${last.unchanged} unchanged`,
        ...(last.queued ? [`${last.queued} queued`] : []),
        `${last.failed.length} failed`,
        ...(last.orphansKept ? [`${last.orphansKept} orphans kept`] : []),
      ]
      const age = last.at ? ` · ${formatAge(Date.now() - Date.parse(last.at))} ago` : ''
      runs.set(c.collection, {
        text: `${parts.join(', ')} in ${formatAge(last.ms)}${last.guard ? ` (guard: ${last.guard})` : ''}${age}`,
        ok: !last.failed.length && !last.guard,
      })
      continue
    }
    try {
      const { docs } = await payload.find({
        collection: eventsSlug,
        where: {
          and: [
            { collectionSlug: { equals: c.collection } },
            { action: { in: ['reconcile', 'sync', 'reset'] } },
          ],
        },
        sort: '-createdAt',
        limit: 1,
        depth: 0,
        pagination: false,
        overrideAccess: true,
      })
      const event = docs[0] as RunEvent | undefined
      if (event) {
        const age = event.createdAt
          ? ` · ${formatAge(Date.now() - Date.parse(event.createdAt))} ago`
          : ''
        runs.set(c.collection, {
          text: `${event.action}: ${event.summary ?? event.outcome ?? ''}${age}`,
          ok: !['failed', 'refused'].includes(event.outcome ?? ''),
        })
      }
    } catch {
      // the audit trail is a nicety here
    }
  }
  return runs
}
