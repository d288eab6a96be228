/**
 * The console's "Recent Sync events": filtered by collection and document, newest first, a page at a
 * time, straight from the events table (the document filter looks into a JSON column).
 */
import { eventsSlug } from '../../collections/events.js'
import type { SyncRuntime } from '../../lifecycle/runtime.js'

export interface EventRow {
  id: string
  action: string
  collection: string
  outcome: string
  summary: string
  user: string
  source: string
  createdAt: string
  ids: string[]
  /** How many ids the event names (only the first few are kept here). */
  idCount: number
}

export interface EventPage {
  rows: EventRow[]
  total: number
  page: number
  pages: number
}

/**
 * Sync events, newest first, filtered by collection and by document (an id among the event's `ids`
 * or `fields` keys), one page at a time. One query for the page and one for the count, on the events
 * table's own columns (the document filter looks into the `ids` JSON array, which the Local API
 * cannot query).
 */
export async function loadEvents(
  runtime: SyncRuntime,
  filter: { collection?: string; document?: string; page?: number; limit?: number },
): Promise<EventPage> {
  const limit = Math.min(Math.max(filter.limit ?? 20, 1), 100)
  const t = runtime.db.table(eventsSlug)
  const ids = t.column('ids')
  const where =
    `where ($1::text is null or ${t.column('collectionSlug')} = $1) and ` +
    `($2::text is null or ${ids} @> jsonb_build_array($2::text) or jsonb_exists(coalesce(${t.column('fields')}, '{}'::jsonb), $2::text))`
  const params = [filter.collection || null, filter.document || null]
  const { rows: counted } = await runtime.db.query<{ n: string }>(
    `select count(*)::text as n from ${t.name} ${where}`,
    params,
  )
  const total = Number(counted[0]?.n ?? 0)
  const pages = Math.max(1, Math.ceil(total / limit))
  const page = Math.min(Math.max(1, Math.floor(filter.page ?? 1) || 1), pages)
  const { rows } = await runtime.db.query<{
    id: string
    action: string | null
    collection: string | null
    outcome: string | null
    summary: string | null
    user: string | null
    source: string | null
    created_at: Date | string
    ids: unknown
    id_count: number | null
  }>(
    `select ${t.column('id')}::text as id, ${t.column('action')}::text as action, ${t.column('collectionSlug')} as collection, ` +
      `${t.column('outcome')}::text as outcome, ${t.column('summary')} as summary, ${t.column('user')} as "user", ${t.column('source')}::text as source, ` +
      `${t.column('createdAt')} as created_at, ` +
      // The first few ids only: a check's event can name thousands.
      `case when jsonb_typeof(${ids}) = 'array' then (select coalesce(jsonb_agg(v), '[]'::jsonb) from (select v from jsonb_array_elements(${ids}) as v limit 5) s) else '[]'::jsonb end as ids, ` +
      `case when jsonb_typeof(${ids}) = 'array' then jsonb_array_length(${ids}) else 0 end as id_count ` +
      `from ${t.name} ${where} order by ${t.column('createdAt')} desc, ${t.column('id')} desc limit $3 offset $4`,
    [...params, limit, (page - 1) * limit],
  )
  return {
    rows: rows.map((row) => {
      const first = Array.isArray(row.ids) ? row.ids.map(String) : []
      return {
        id: row.id,
        action: row.action ?? '',
        collection: row.collection ?? '',
        outcome: row.outcome ?? '',
        summary: row.summary ?? '',
        user: row.user ?? 'system',
        source: row.source ?? '',
        createdAt: new Date(row.created_at).toISOString(),
        ids: first,
        idCount: Number(row.id_count ?? first.length),
      }
    }),
    total,
    page,
    pages,
  }
}
