/**
 * The scheduled consistency check: a Payload task on a cron schedule (`checks.schedule`, every 15
 * minutes by default). Payload's schedules queue it once per schedule across all app instances; one of
 * them runs it: `validate` of every synced collection, recorded in the Sync events (source
 * `schedule`), fed to the metrics, and an alert when it finds drift.
 */
import type { TaskConfig } from 'payload'
import { getRuntime } from '../lifecycle/registry.js'
import type { ResolvedOptions } from '../options.js'
import { validateSync } from '../ops/validate.js'

export const checkTaskSlug = 'supabase-sync-check'

export function checkTask(
  options: ResolvedOptions,
): TaskConfig<{ input: object; output: { collections: number } }> {
  const schedule = options.checks.schedule
  return {
    slug: checkTaskSlug,
    label: 'Check the Supabase sync for drift',
    retries: 0,
    ...(schedule === false ? {} : { schedule: [{ cron: schedule, queue: options.checks.queue }] }),
    handler: async ({ req }) => {
      const runtime = getRuntime(req.payload)
      for (const collection of runtime.collections.values()) {
        const result = await validateSync(req.payload, {
          collection: collection.slug,
          actor: { source: 'schedule' },
        })
        const check = runtime.lastCheck.get(collection.slug)
        if (check)
          await runtime.monitor?.checked(collection.slug, check, [
            ...result.missing,
            ...result.extra,
            ...result.changed.map((c) => c.id),
          ])
      }
      return { output: { collections: runtime.collections.size } }
    },
  }
}
