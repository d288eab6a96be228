/**
 * The realtime watch of a running plugin (when `realtime` is on for some collection): built from the
 * runtime's parts, its catches recorded in the Sync events, counted and alerted. Stopped with Payload.
 */
import { documentStates } from '../ops/compare.js'
import { recordEvent } from '../ops/audit.js'
import { pullFromSupabase } from '../ops/pull.js'
import { documentKey } from '../queue/keys.js'
import { unseenRows } from '../realtime/edited-away.js'
import type { Catch } from '../realtime/watch.js'
import { RealtimeWatch } from '../realtime/watch.js'
import { validate } from '../reconcile/validate.js'
import { bookkeepingColumns } from '../synced.js'
import { validateDeps } from './deps.js'
import type { SyncRuntime } from './runtime.js'

const actor = { source: 'realtime' as const }

export function startWatch(runtime: SyncRuntime): RealtimeWatch | undefined {
  const watched = [...runtime.collections.values()].filter((c) => c.watch !== false)
  if (!watched.length) return undefined
  const { payload, logger, options } = runtime
  const realtime = options.realtime
  const watch = new RealtimeWatch({
    client: runtime.target.client,
    payload,
    target: runtime.target,
    delivery: runtime.delivery,
    state: runtime.state,
    logger,
    watched,
    massInsertLimit: typeof realtime === 'object' ? realtime.massInsertLimit : 100,
    deleteOrphans: options.deleteOrphans,
    maxDeleteFraction: options.maxDeleteFraction,
    differing: async (collection) => {
      const { diff } = await validate(validateDeps(runtime), collection)
      const ids = [...diff.missing, ...diff.extra, ...diff.changed.map((c) => c.id)]
      // A change waiting for delivery (Supabase was away too) is the plugin's own, not one made around it.
      const waiting = new Set(
        (
          await runtime.jobs.forKeys(
            runtime.db,
            ids.map((id) => documentKey(collection.slug, id)),
          )
        ).map((job) => job.key),
      )
      return ids.filter((id) => !waiting.has(documentKey(collection.slug, id)))
    },
    editedAway: async function* (collection) {
      // Without the apply function no write is marked: the trigger, if there, marks them all.
      if (options.writeMode === 'upsert') return
      const ignore = bookkeepingColumns(collection)
      // A page of marked rows at a time: a table edited in bulk is never held whole.
      for await (const rows of runtime.target.rows(collection.spec, { marked: true })) {
        const known = await runtime.state.get(
          rows.map((row) => documentKey(collection.slug, String(row[collection.spec.primaryKey]))),
        )
        const ids = unseenRows(
          rows,
          collection.spec.primaryKey,
          (id) => known.get(documentKey(collection.slug, id))?.fingerprint,
          ignore,
        )
        if (!ids.length) continue
        const states = await documentStates(payload, { collection: collection.slug, ids })
        const edited = states.filter((s) => s.state === 'differs' && !s.pendingSince)
        if (edited.length) yield edited.map((s) => s.id)
      }
    },
    pull: async (collection, ids) => {
      const result = await pullFromSupabase(payload, { collection: collection.slug, ids, actor })
      const pulled = new Set(result.pulled.map((p) => p.id))
      // A failure that may pass (a save in between, a database or network failure): looked at again.
      const again = result.failed.filter((f) => f.kind !== 'row')
      return {
        pulled: result.pulled,
        skipped: result.skipped.filter((skip) => !skip.busy && !skip.outOfSupabase),
        busy: [
          ...result.skipped.filter((skip) => skip.busy).map((skip) => skip.id),
          ...again.map((f) => f.id),
        ],
        // What Payload cannot take — read-only columns, values the mapper maps back, a row the
        // mapper or Payload refuses — is Payload's again in Supabase (Payload wins): by the pull's
        // own delivery where it saved the document, else reverted here.
        revert: [
          // A row of a document that maps to none: its delivery deletes it.
          ...result.skipped
            .filter((skip) => skip.outOfSupabase)
            .map((skip) => ({
              id: skip.id,
              fields: [],
              reason: `not taken into Payload: ${skip.reason}`,
              deliveredBack: false,
            })),
          ...result.refused
            .filter((r) => !pulled.has(r.id))
            .map((r) => ({
              id: r.id,
              fields: r.fields,
              reason: `not taken into Payload: ${r.fields.join(', ')}`,
              deliveredBack: r.deliveredBack === true,
            })),
          ...result.failed
            .filter((f) => f.kind === 'row')
            .map((f) => ({
              id: f.id,
              fields: f.field ? [f.field] : [],
              reason: `not taken into Payload: ${f.message}`,
              deliveredBack: false,
            })),
        ],
      }
    },
    compare: async (collection, ids) => {
      const states = await documentStates(payload, { collection: collection.slug, ids })
      const out = new Map<string, Catch['fields']>()
      for (const s of states) {
        if (s.pendingSince) continue
        if (s.state === 'differs')
          out.set(
            s.id,
            (s.fields ?? []).map(({ field, supabase, payload }) => ({ field, supabase, payload })),
          )
        else if (s.state === 'missing')
          out.set(s.id, [{ field: '(row)', supabase: null, payload: 'a row' }])
        else if (s.state === 'extra')
          out.set(s.id, [{ field: '(row)', supabase: 'a row', payload: null }])
      }
      return out
    },
    caught: (catches) => caught(runtime, catches),
  })
  watch.start()
  payload.crons.push({ stop: () => void watch.stop() } as unknown as (typeof payload.crons)[number])
  return watch
}

const outcomeWords: Record<Catch['outcome'], string> = {
  reverted: 'reverted to Payload',
  recorded: 'left as they are (record)',
  pulled: 'taken into Payload',
  skipped: 'not handled',
}

/** One Sync event per collection and outcome; counted; one alert per burst. */
async function caught(runtime: SyncRuntime, catches: Catch[]): Promise<void> {
  const groups = new Map<string, Catch[]>()
  for (const c of catches) {
    const key = `${c.collection}\u0000${c.outcome}`
    groups.set(key, [...(groups.get(key) ?? []), c])
  }
  for (const group of groups.values()) {
    const { collection, outcome, policy } = group[0]
    const kinds = countBy(group.map((c) => c.change))
    runtime.metrics.externalChanges(collection, outcome, group.length)
    await recordEvent(runtime, {
      action: 'external-change',
      collectionSlug: collection,
      outcome: outcome === 'skipped' ? 'refused' : 'drift',
      summary: `${group.length} row(s) changed in Supabase directly (${Object.entries(kinds)
        .map(([k, n]) => `${n} ${k.toLowerCase()}`)
        .join(', ')}): ${outcomeWords[outcome]}${group[0].reason ? ` — ${group[0].reason}` : ''}`,
      ids: group.map((c) => c.id),
      fields: Object.fromEntries(group.map((c) => [c.id, c.fields.map((f) => f.field)])),
      details: { policy, catches: group.slice(0, 50) },
      actor,
    })
  }
  for (const [collection, ids] of groupIds(catches))
    await runtime.monitor?.externalChanges(collection, ids)
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

function groupIds(catches: Catch[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const c of catches) out.set(c.collection, [...(out.get(c.collection) ?? []), c.id])
  return out
}
