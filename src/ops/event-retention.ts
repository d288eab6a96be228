/**
 * The audit trail's retention: Sync events older than `events.retentionDays` are deleted by an hourly
 * Payload task on the checks queue (Payload's schedules queue it once per hour across instances).
 * Without it the trail grows with every delivery failure, alert and operation for as long as the app
 * runs, and the console's counts of it slow with it.
 */
import type { PayloadRequest, TaskConfig, Where } from 'payload'
import type { Logger } from 'pino'
import { eventsSlug } from '../collections/events.js'
import { findRuntime } from '../lifecycle/registry.js'
import type { ResolvedOptions } from '../options.js'

export const pruneEventsTaskSlug = 'supabase-sync-prune-events'

/** Minute 7 of every hour (six fields, with seconds): away from the checks' quarter hours. */
const hourly = '0 7 * * * *'

export function pruneEventsTask(
  options: ResolvedOptions,
): TaskConfig<{ input: object; output: { deleted: number } }> {
  const days = options.events.retentionDays
  return {
    slug: pruneEventsTaskSlug,
    label: 'Delete Sync events past their retention',
    retries: 0,
    ...(days === false ? {} : { schedule: [{ cron: hourly, queue: options.checks.queue }] }),
    handler: async ({ req }) => {
      if (days === false) return { output: { deleted: 0 } }
      const logger = findRuntime(req.payload)?.logger ?? req.payload.logger
      return { output: { deleted: await pruneEvents(req, days, logger) } }
    },
  }
}

/** Deletes the events older than `days` days in one statement (Payload's `deleteMany`); how many went. */
export async function pruneEvents(
  req: PayloadRequest,
  days: number,
  logger: Pick<Logger, 'info'>,
): Promise<number> {
  const cutoff = new Date(Date.now() - days * 86_400_000).toISOString()
  const where: Where = { createdAt: { less_than: cutoff } }
  const { payload } = req
  const { totalDocs } = await payload.db.count({ collection: eventsSlug, where, req })
  if (totalDocs === 0) return 0
  await payload.db.deleteMany({ collection: eventsSlug, where, req })
  logger.info(
    { op: 'prune', collection: eventsSlug, deleted: totalDocs, retentionDays: days },
    `supabase-sync: deleted ${totalDocs} Sync events older than ${days} days`,
  )
  return totalDocs
}
