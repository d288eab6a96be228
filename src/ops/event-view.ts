/**
 * Sync events as a given user may see them. An event names ids (the operator's view: they stay), but
 * some also carry what a document holds: an external change's caught fields with both values, a
 * delivery's or a sync's failure causes (PostgreSQL quotes the failing row), and the summary of a
 * failed delivery or an external change quotes its first document's cause or reason. For a document
 * the user may not read under its collection's read access (`unreadableIds`) those are replaced; for
 * one the user may read but not every field the mapper reads of (`partlyReadableIds`), its texts and
 * values are, its field names, codes and kinds kept.
 */
import type { CollectionAfterReadHook, Payload, PayloadRequest } from 'payload'
import { hiddenCauses, notReadableText, type HiddenCauses } from './readable.js'
import { withJudgedFields } from './event-fields.js'
import { batchPerRequest } from './request-batch.js'

export interface EventView {
  action: string
  /** The synced collection's slug. */
  collection: string
  summary: string
  ids: string[]
  details?: unknown
}

/** Summaries that quote their first document's cause (or reason) after this separator (start.ts, watch.ts). */
const quotes: Record<string, string> = { delivery: '): ', 'external-change': ' — ' }

type Id = string | number
const idOf = (value: unknown): Id | undefined => {
  const id = (value as { id?: unknown } | null)?.id
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
}

/** Every `id` of an object anywhere in the details (failures, caught changes). */
function idsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) idsIn(v, into)
  else if (value && typeof value === 'object') {
    const id = idOf(value)
    if (id !== undefined) into.push(String(id))
    for (const v of Object.values(value)) idsIn(v, into)
  }
  return into
}

/**
 * The details with every object about an unreadable document cut down to its id, and those about a
 * partly readable one without values and texts.
 */
function hideIn(value: unknown, hidden: HiddenCauses): unknown {
  if (Array.isArray(value)) return value.map((v) => hideIn(v, hidden))
  if (!value || typeof value !== 'object') return value
  const id = idOf(value)
  const text = id === undefined ? undefined : hidden.get(String(id))
  if (text === notReadableText) return { id, hidden: text }
  if (text !== undefined) return withoutValues(value, text)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideIn(v, hidden)]))
}

/** Texts that can quote a value, in the details of a document (a failure's, a catch's). */
const texts = new Set(['message', 'reason'])
/** A caught field's two values (`{ field, supabase, payload }`). */
const values = new Set(['supabase', 'payload'])

/** An object about a document with its values and texts replaced; names, codes and kinds kept. */
function withoutValues(value: unknown, text: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutValues(v, text))
  if (!value || typeof value !== 'object') return value
  const entries = Object.entries(value)
  const kept = entries
    .filter(([k]) => !values.has(k))
    .map(([k, v]) => [k, texts.has(k) && typeof v === 'string' ? text : withoutValues(v, text)])
  if (entries.some(([k]) => values.has(k))) kept.push(['hidden', true])
  return Object.fromEntries(kept)
}

function hideEvent<T extends EventView>(event: T, hidden: HiddenCauses): T {
  if (!event.ids.some((id) => hidden.has(id)) && !idsIn(event.details).some((id) => hidden.has(id)))
    return event
  const quote = quotes[event.action]
  const at = quote ? event.summary.indexOf(quote) : -1
  const first = event.ids[0] === undefined ? undefined : hidden.get(event.ids[0])
  const summary =
    at >= 0 && first !== undefined
      ? `${event.summary.slice(0, at + quote.length)}${first}`
      : event.summary
  return {
    ...event,
    summary,
    ...(event.details === undefined ? {} : { details: hideIn(event.details, hidden) }),
  }
}

/** The events as the request's user may see them: one access check per collection. */
export async function eventsForReader<T extends EventView>(
  payload: Payload,
  req: PayloadRequest | undefined,
  events: T[],
): Promise<T[]> {
  if (!req?.user || !events.length) return events
  const hidden = new Map<string, HiddenCauses>()
  for (const slug of new Set(events.map((e) => e.collection))) {
    if (!payload.collections[slug]) continue
    const ids = events
      .filter((e) => e.collection === slug)
      .flatMap((e) => [...e.ids, ...idsIn(e.details)])
    hidden.set(slug, await hiddenCauses(payload, slug, ids, req))
  }
  return events.map((e) => {
    const of = hidden.get(e.collection)
    return of?.size ? hideEvent(e, of) : e
  })
}

/** A stored event as the afterRead hook gets it, with its collection's slug. */
interface ReadEvent {
  slug: string
  doc: Record<string, unknown>
}

function viewOf(stored: Record<string, unknown>): EventView {
  return {
    action: String(stored.action ?? ''),
    collection: String(stored.collectionSlug ?? ''),
    summary: typeof stored.summary === 'string' ? stored.summary : '',
    ids: Array.isArray(stored.ids) ? stored.ids.map(String) : [],
    details: stored.details ?? undefined,
  }
}

/**
 * The events of one page of a read, shown in one pass (an access check per collection, not per
 * event); undefined for an event shown as stored.
 */
const shownInBatch = batchPerRequest(
  async (req: PayloadRequest, events: ReadEvent[]): Promise<Array<EventView | undefined>> => {
    if (!events.length) return []
    const stored = await withJudgedFields(
      req.payload,
      events[0].slug,
      events.map((e) => e.doc),
    )
    const views = stored.map(viewOf)
    const shown = await eventsForReader(req.payload, req, views)
    return shown.map((view, i) => (view === views[i] ? undefined : view))
  },
)

/**
 * The Sync events collection's `afterRead`: what a user reading the trail (REST, GraphQL, the admin's
 * list and edit views) gets. Reads without a user (the plugin's own, the Local API) are as stored.
 */
export const eventAfterRead: CollectionAfterReadHook = async ({ doc, req, collection }) => {
  if (!req.user) return doc
  const stored = doc as Record<string, unknown>
  const shown = await shownInBatch(req, { slug: collection.slug, doc: stored })
  if (!shown) return doc
  return {
    ...stored,
    ...(typeof stored.summary === 'string' ? { summary: shown.summary } : {}),
    ...(stored.details !== undefined ? { details: shown.details ?? null } : {}),
  }
}
