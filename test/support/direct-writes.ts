/**
 * What the randomized convergence test checks of writes made in Supabase around the plugin: sql/002
 * v6's mark (the largest `sync_version`), the `conflict` Sync events recorded when a delivery
 * replaces a marked row, and the edits the `'pull'` watch took; and the realtime watch turned off
 * and on (or to the dealers' `'pull'` policy) for a case, in this process.
 */
import type pg from 'pg'
import type { Payload } from 'payload'
import { startWatch } from '../../src/lifecycle/watch.js'
import { getRuntime } from '../../src/lifecycle/registry.js'
import type { TamperedColumn, Watch } from './convergence-ops.js'

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

/** The conflicts that name an id not in `direct`, as they are recorded (for a failure's message). */
export function conflictsNotNaming(
  conflicts: ConflictEvent[],
  direct: ReadonlySet<string>,
): Array<Omit<ConflictEvent, 'id'>> {
  return conflicts
    .filter((e) => e.ids.some((id) => !direct.has(id)))
    .map(({ collectionSlug, ids, fields, details, createdAt }) => ({
      collectionSlug,
      ids,
      fields,
      details,
      createdAt,
    }))
}

/** Of these ids, those no conflict names with one of `fields` among its replaced columns. */
export function unrecordedEdits(
  conflicts: ConflictEvent[],
  ids: string[],
  fields: string[],
): string[] {
  return ids.filter(
    (id) => !conflicts.some((e) => e.fields?.[id]?.some((field) => fields.includes(field))),
  )
}

/**
 * The ids the realtime watch pulled (a catch with outcome `pulled`) in the `external-change` Sync
 * events not in `seen` (either instance's); adds those events to it.
 */
export async function newPulls(payload: Payload, seen: Set<string>): Promise<string[]> {
  const { docs } = await payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'external-change' } },
    depth: 0,
    limit: 0,
    pagination: false,
  })
  const fresh = (
    docs as unknown as Array<{ id: string; details?: { catches?: Array<Record<string, unknown>> } }>
  ).filter((e) => !seen.has(String(e.id)))
  for (const event of fresh) seen.add(String(event.id))
  return fresh.flatMap((e) =>
    (e.details?.catches ?? []).filter((c) => c.outcome === 'pulled').map((c) => String(c.id)),
  )
}

const tampered: Record<TamperedColumn, string> = {
  domain: `domain = 'direct-' || $2 || '.example'`,
  name: `name = 'direct name ' || $2`,
  // Read-only in the mapping (Payload's createdAt): a pull cannot take it, its save writes it back.
  created_at: `created_at = timestamptz '2001-01-01T00:00:00Z' + ($2 || ' seconds')::interval`,
  // The mapper's schema refuses a blank name: reverted.
  blankName: `name = '  '`,
  domainAndCreatedAt: `domain = 'direct-' || $2 || '.example', created_at = timestamptz '2001-01-01T00:00:00Z' + ($2 || ' seconds')::interval`,
}

/**
 * A dealer's row updated in Supabase directly; resolves with its name after (what decides whether
 * Payload can take the row at all), or undefined if there was no row to update.
 */
export async function tamperDealer(
  supabase: pg.Pool,
  id: string,
  column: TamperedColumn,
  n: number,
): Promise<string | undefined> {
  const set = tampered[column]
  const { rows } = await supabase.query<{ name: string }>(
    `update public.dealers set ${set} where id = $1 returning name`,
    set.includes('$2') ? [id, String(n)] : [id],
  )
  return rows[0]?.name
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
 * startup makes it), resolving once each table streams (or is refused: not in the publication); and
 * sets the dealers' policy (read per batch, as test/support/realtime.ts's `setPolicy`). A
 * new watch's first subscription runs no check of the table, so a change committed before it
 * streams is never seen — what was edited while it was off is the final reconcile's business, as
 * for an app started without the watch.
 */
export async function setWatch(payload: Payload, mode: Watch): Promise<void> {
  const runtime = getRuntime(payload)
  // Off: back to the configured `revert`, so that nothing (left-for-pull.ts) acts on a stale `pull`.
  runtime.collections.get('dealers')!.watch = mode === 'pull' ? 'pull' : 'revert'
  if (mode === 'off') {
    await runtime.watch?.stop()
    runtime.watch = undefined
    return
  }
  const watch = (runtime.watch ??= startWatch(runtime))
  // Polled here, not with test/support/app.ts's eventually: the child app loads this module too.
  const deadline = Date.now() + 30_000
  for (;;) {
    const waiting = Object.entries(watch?.status() ?? {}).filter(
      ([, s]) => s.status !== 'subscribed' && s.status !== 'unavailable',
    )
    if (!waiting.length) return
    if (Date.now() > deadline)
      throw new Error(`realtime watch not streaming: ${JSON.stringify(waiting)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
