/**
 * What a change made in Supabase directly gets, by the collection's `onExternalChange`: reverted
 * through the one delivery path, recorded as it is, or pulled into Payload. Returns the catches, and
 * the ids being delivered right now by someone else (to be looked at again once they are done).
 */
import type { Row } from '../mapping/types.js'
import type { Delivery } from '../queue/delivery.js'
import { fieldValue } from '../reconcile/diff.js'
import type { TableChange } from '../supabase/realtime.js'
import type { SupabaseTarget } from '../supabase/target.js'
import type { SyncedCollection } from '../synced.js'
import type { Payload } from 'payload'
import type { Recheck } from './pending-looks.js'

/** What a catch says the change was: the event's type, or why its row was re-checked (pending-looks.ts). */
export type ChangeKind = TableChange['type'] | Recheck

export interface Catch {
  collection: string
  id: string
  change: ChangeKind
  policy: 'revert' | 'record' | 'pull'
  /** The differing fields, with Supabase's value and Payload's, where known. */
  fields: Array<{ field: string; supabase: unknown; payload: unknown }>
  outcome: 'reverted' | 'recorded' | 'pulled' | 'skipped'
  reason?: string
}

export interface PolicyDeps {
  payload: Payload
  target: SupabaseTarget
  delivery: Delivery
  /** The version-checked pull of these ids. */
  pull: (
    collection: SyncedCollection,
    ids: string[],
  ) => Promise<{
    pulled: Array<{ id: string; fields: string[] }>
    skipped: Array<{ id: string; reason: string }>
    /** Being delivered: the watch looks at them again after (the delivery may be writing over the change). */
    busy: string[]
    /**
     * Changes Payload cannot take (read-only columns, a row it refuses), with why: reverted here,
     * or by the delivery of the pull's own save (`deliveredBack`).
     */
    revert: Array<{ id: string; fields: string[]; reason: string; deliveredBack: boolean }>
  }>
  /** What differs for these ids now (the `record` policy). */
  compare: (collection: SyncedCollection, ids: string[]) => Promise<Map<string, Catch['fields']>>
}

export interface PolicyResult {
  catches: Catch[]
  busy: string[]
}

export async function applyPolicy(
  deps: PolicyDeps,
  collection: SyncedCollection,
  ids: string[],
  changes: Map<string, TableChange>,
  kindOf: (id: string) => ChangeKind,
): Promise<PolicyResult> {
  const policy = collection.watch || 'revert'
  const base = (id: string) => ({ collection: collection.slug, id, change: kindOf(id), policy })
  if (policy === 'record') {
    const differences = await deps.compare(collection, ids)
    return {
      catches: [...differences].map(([id, fields]) => ({
        ...base(id),
        fields,
        outcome: 'recorded',
      })),
      busy: [],
    }
  }
  if (policy === 'pull') {
    const result = await deps.pull(collection, ids)
    const supabaseRow = (id: string): Row | null => changes.get(id)?.new ?? null
    const here = result.revert.filter((r) => !r.deliveredBack).map((r) => r.id)
    const reverted = here.length ? await revert(deps, collection, here, base) : undefined
    const written = new Map(reverted?.catches.map((c) => [c.id, c]))
    const busyHere = new Set(reverted?.busy)
    return {
      catches: [
        // Reverted here (with both values), or by the pull's own delivery: either way Supabase gets
        // Payload's values back, and the catch says why.
        ...result.revert
          .filter((r) => !busyHere.has(r.id))
          .map((r): Catch => ({
            ...(written.get(r.id) ?? {
              ...base(r.id),
              fields: r.fields.map((field) => ({
                field,
                supabase: fieldValue(supabaseRow(r.id), field),
                payload: undefined,
              })),
              outcome: 'reverted' as const,
            }),
            reason: r.reason,
          })),
        ...result.pulled.map((p): Catch => ({
          ...base(p.id),
          fields: p.fields.map((field) => ({
            field,
            supabase: fieldValue(supabaseRow(p.id), field),
            payload: undefined,
          })),
          outcome: 'pulled',
        })),
        ...result.skipped.map((s): Catch => ({
          ...base(s.id),
          fields: [],
          outcome: 'skipped',
          reason: s.reason,
        })),
      ],
      busy: [...result.busy, ...busyHere],
    }
  }
  return revert(deps, collection, ids, base)
}

/** Payload's rows of these ids written over Supabase's where they differ (compare mode): Payload wins. */
async function revert(
  deps: PolicyDeps,
  collection: SyncedCollection,
  ids: string[],
  base: (id: string) => Omit<Catch, 'fields' | 'outcome'>,
): Promise<PolicyResult> {
  // Each row it replaces is recorded as a catch (below), not again as a conflict.
  const report = await deps.delivery.deliver(collection, ids, {
    compare: (locked) => deps.target.rowsByIds(collection.spec, locked),
    recorded: true,
  })
  const catches: Catch[] = []
  const busy: string[] = []
  for (const o of report.outcomes.values()) {
    if (o.outcome === 'busy') busy.push(o.id)
    else if (o.outcome === 'written' || o.outcome === 'deleted')
      catches.push({
        ...base(o.id),
        fields: (o.fields ?? []).map((field) => ({
          field,
          supabase: fieldValue(o.rows?.supabase, field),
          payload: fieldValue(o.rows?.payload, field),
        })),
        outcome: 'reverted',
      })
  }
  return { catches, busy }
}
