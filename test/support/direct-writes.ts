/**
 * What the randomized convergence test checks of writes made in Supabase around the plugin: sql/002
 * v6's mark (the largest `sync_version`) and the `conflict` Sync events recorded when a delivery
 * replaces a marked row; and the realtime watch turned off and on for a case, in this process.
 */
import type pg from 'pg'
import type { Payload } from 'payload'
import { startWatch } from '../../src/lifecycle/watch.js'
import { getRuntime } from '../../src/lifecycle/registry.js'

/** The version sql/002's trigger gives a row written around the plugin, as text (a JSON number loses its last digits). */
export const markedVersion = '9223372036854775807'

export interface ConflictEvent {
  id: string
  collectionSlug: string
  ids: string[]
  fields?: Record<string, string[]>
  details?: unknown
  createdAt: string
}

/** The `conflict` Sync events not in `seen` (either instance's: they share Payload's database); adds them to it. */
export async function newConflicts(payload: Payload, seen: Set<string>): Promise<ConflictEvent[]> {
  const { docs } = await payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'conflict' } },
    depth: 0,
    limit: 0,
    pagination: false,
  })
  const fresh = (docs as unknown as ConflictEvent[]).filter((e) => !seen.has(String(e.id)))
  for (const event of fresh) seen.add(String(event.id))
  return fresh
}

/** Ids of a table's rows that carry the mark, read in Supabase's database directly. */
export async function markedIds(supabase: pg.Pool, table: string): Promise<string[]> {
  const { rows } = await supabase.query<{ id: string }>(
    `select id::text as id from public.${table} where sync_version = ${markedVersion}::bigint order by id`,
  )
  return rows.map((r) => r.id)
}

/**
 * Turns this process's realtime watch off (stopped, its subscriptions closed) or on (a new one, as
 * startup makes it). A new watch's first subscription runs no check of the table — what was edited
 * while it was off is the final reconcile's business, as for an app without the watch.
 */
export async function setWatch(payload: Payload, on: boolean): Promise<void> {
  const runtime = getRuntime(payload)
  if (!on) {
    await runtime.watch?.stop()
    runtime.watch = undefined
  } else runtime.watch ??= startWatch(runtime)
}
