/**
 * The status's documents and rows of a collection: counted now, or — for the admin's refreshes (every
 * open console tab and dashboard asks every 5 s) — reused while younger than a few seconds. An exact
 * count is a scan of the whole table on both sides: on a table of a million rows, one every 5 s per
 * tab is a database kept busy for a number nobody needs that fresh. Counts are never a verdict (only a
 * check compares rows), so a count some seconds old hides no drift; whether Supabase answers is asked
 * on every read all the same (one read of one key), so an outage is never hidden behind a reused count.
 */
import type { Payload } from 'payload'
import { countDocuments } from '../documents.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import type { SyncedCollection } from '../synced.js'

/** How the admin's reads reuse counts. */
export interface CountReuse {
  /** Counts younger than this are reused. */
  maxAgeMs: number
  /** The clock (tests). */
  now?: () => number
}

/** The admin's refreshes reuse counts younger than this: a save or an import shows within it. */
export const countsMaxAgeMs = 30_000

export interface CollectionCounts {
  documents: number
  /** Null when Supabase did not answer. */
  rows: number | null
  /** When these were counted (ISO): older than the read when reused. */
  countedAt: string
  /** Why Supabase did not answer. */
  error?: unknown
}

interface Slot {
  counted?: { documents: number; rows: number; at: number }
  /** Bumped by `forgetCounts`: a count under way when it was bumped is not kept. */
  generation: number
}

const kept = new WeakMap<Payload, Map<string, Slot>>()

function slotOf(payload: Payload, collection: string): Slot {
  let slots = kept.get(payload)
  if (!slots) kept.set(payload, (slots = new Map()))
  let slot = slots.get(collection)
  if (!slot) slots.set(collection, (slot = { generation: 0 }))
  return slot
}

/**
 * An operation of this instance changed (or may have changed) the collection's rows — a sync, a push
 * or delete of rows, a reset, a retry: the next read counts again, so the operator who just acted sees
 * the result at the next refresh, not a window later.
 */
export function forgetCounts(payload: Payload, collection: string): void {
  const slot = slotOf(payload, collection)
  slot.counted = undefined
  slot.generation++
}

export async function collectionCounts(
  payload: Payload,
  runtime: SyncRuntime,
  collection: SyncedCollection,
  reuse?: CountReuse,
): Promise<CollectionCounts> {
  const now = reuse?.now ?? Date.now
  const slot = reuse ? slotOf(payload, collection.slug) : undefined
  const counted = slot?.counted
  if (reuse && slot && counted && now() - counted.at < reuse.maxAgeMs) {
    const error = await runtime.target.probe(collection.spec)
    const countedAt = new Date(counted.at).toISOString()
    if (!error) return { documents: counted.documents, rows: counted.rows, countedAt }
    // Unreachable now: the rows are unknown, as when a count fails, and counted again once it answers.
    slot.counted = undefined
    return { documents: counted.documents, rows: null, countedAt, error }
  }
  const generation = slot?.generation
  const at = now()
  const countedAt = new Date(at).toISOString()
  const documents = await countDocuments(payload, collection)
  let rows: number
  try {
    rows = await runtime.target.count(collection.spec)
  } catch (error) {
    return { documents, rows: null, countedAt, error }
  }
  // Not kept when an operation ended meanwhile: these may be from before it.
  if (slot && slot.generation === generation) slot.counted = { documents, rows, at }
  return { documents, rows, countedAt }
}
