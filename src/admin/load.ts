/**
 * What the admin's server components read: the status (with a timeout), the rights of the user, the
 * last check and the last reconcile of each collection (this process, else the Sync events), the Sync
 * events for the console (filtered, paged), the titles of documents. Server only, but without React
 * or `@payloadcms/ui`, so that `payload-plugin-supabase-sync/rsc` still loads under plain Node.
 */
import { createLocalReq, type Payload, type PayloadRequest, type ServerProps } from 'payload'
import { eventsSlug } from '../collections/events.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { allowed, resolveAccess, type Right } from '../ops/access.js'
import { syncStatus, type StatusResult } from '../ops/status.js'
import { formatAge, type LastCheck } from './health.js'

/** The dashboard and the console do not wait longer than this for the status (a hanging Supabase retries for long). */
export const statusTimeoutMs = 5_000

export type Rights = Record<Right, boolean>

export const noRights: Rights = { read: false, sync: false, pull: false, reset: false }

/** The plugin's four rights for the request's user (all false without a user). */
export async function rightsOf(runtime: SyncRuntime, req: PayloadRequest): Promise<Rights> {
  if (!req.user) return noRights
  const access = resolveAccess(runtime.options.access)
  const [read, sync, pull, reset] = await Promise.all(
    (['read', 'sync', 'pull', 'reset'] as const).map((right) => allowed(access, right, req)),
  )
  return { read, sync, pull, reset }
}

/** The rights of a user given as a server component's `user` prop (no request at hand). */
export async function rightsOfUser(
  runtime: SyncRuntime,
  payload: Payload,
  user: ServerProps['user'] | null | undefined,
): Promise<Rights> {
  if (!user) return noRights
  try {
    const req = await createLocalReq({ user: user as never }, payload)
    return await rightsOf(runtime, req)
  } catch {
    return noRights
  }
}

export interface LoadedStatus {
  status?: StatusResult
  error?: string
}

export async function loadStatus(
  payload: Payload,
  timeoutMs = statusTimeoutMs,
): Promise<LoadedStatus> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs / 1000} s (Supabase slow or down?)`)),
      timeoutMs,
    )
  })
  try {
    return { status: await Promise.race([syncStatus(payload), timeout]) }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  } finally {
    clearTimeout(timer)
  }
}

type EventDoc = {
  action?: string
  outcome?: string
  summary?: string
  createdAt?: string
  details?: { check?: Partial<LastCheck> } | null
}

/**
 * The last full check of each collection: the newer of this process's `runtime.lastCheck` and the
 * latest `validate` Sync event that carries `details.check` (a check of another instance, or before a
 * restart). Checks of some ids only carry no `check` and do not count.
 */
export async function loadLastChecks(
  payload: Payload,
  runtime: SyncRuntime,
): Promise<Map<string, LastCheck>> {
  const checks = new Map<string, LastCheck>()
  await Promise.all(
    [...runtime.collections.keys()].map(async (slug) => {
      const local = runtime.lastCheck.get(slug)
      let fromEvent: LastCheck | undefined
      try {
        const { docs } = await payload.find({
          collection: eventsSlug,
          where: {
            and: [{ collectionSlug: { equals: slug } }, { action: { equals: 'validate' } }],
          },
          sort: '-createdAt',
          limit: 10,
          depth: 0,
          pagination: false,
          overrideAccess: true,
        })
        for (const event of docs as EventDoc[]) {
          const check = event.details?.check
          if (check && typeof check.at === 'string') {
            fromEvent = {
              at: check.at,
              missing: Number(check.missing ?? 0),
              extra: Number(check.extra ?? 0),
              changed: Number(check.changed ?? 0),
              failed: Number(check.failed ?? 0),
              source: 'event',
            }
            break
          }
        }
      } catch {
        // the audit trail is a fallback here
      }
      const newest =
        local && (!fromEvent || Date.parse(local.at) >= Date.parse(fromEvent.at))
          ? { ...local, source: 'process' as const }
          : fromEvent
      if (newest) checks.set(slug, newest)
    }),
  )
  return checks
}

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
      const event = docs[0] as EventDoc | undefined
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

/** The titles (`admin.useAsTitle`) of documents, by id; ids without a document are left out. */
export async function loadTitles(
  payload: Payload,
  collection: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  if (!ids.length) return titles
  const config = payload.collections[collection]?.config
  const field = config?.admin?.useAsTitle ?? 'id'
  try {
    const { docs } = await payload.find({
      collection,
      where: { id: { in: [...ids] } },
      limit: ids.length,
      pagination: false,
      depth: 0,
      overrideAccess: true,
      trash: true,
      select: { [field]: true } as never,
    } as never)
    for (const doc of docs as Array<Record<string, unknown>>) {
      const title = doc[field]
      titles.set(
        String(doc.id),
        typeof title === 'string' && title ? title : String(title ?? doc.id),
      )
    }
  } catch {
    // titles are a nicety: ids are shown instead
  }
  return titles
}

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
