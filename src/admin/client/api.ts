/**
 * The browser's calls to the plugin's endpoints (`/api/supabase-sync/…`) and to Payload's REST API,
 * with the admin's cookie session. Every POST sends JSON (the endpoints refuse anything else). An
 * error answer becomes an `ApiError` with the endpoint's own message.
 */
import type { DocumentStatus } from '../../ops/compare.js'
import type { RunState } from '../../ops/runs.js'
import { errorText } from '../present/describeRun.js'
import { chunks } from '../present/paging.js'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** `${serverURL}${routes.api}`, e.g. `/api` (relative when serverURL is not set). */
export type ApiBase = string

export function apiBase(config: { serverURL?: string; routes: { api?: string } }): ApiBase {
  return `${config.serverURL ?? ''}${config.routes.api ?? '/api'}`
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, { credentials: 'include', ...init })
  } catch (error) {
    throw new ApiError(
      `no answer from the server (${error instanceof Error ? error.message : String(error)})`,
      0,
    )
  }
  const text = await res.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    // not JSON: the status says enough
  }
  if (!res.ok) throw new ApiError(errorText(body, res.status), res.status)
  return body as T
}

export function getJson<T>(base: ApiBase, path: string, signal?: AbortSignal): Promise<T> {
  return call<T>(`${base}${path}`, { method: 'GET', signal })
}

export function postJson<T>(base: ApiBase, path: string, body: unknown): Promise<T> {
  return call<T>(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** The documents endpoint, at most 150 ids a request; one request for a list page. */
export async function documentStates(
  base: ApiBase,
  collection: string,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<DocumentStatus[]> {
  const out: DocumentStatus[] = []
  for (const part of chunks(ids, 150)) {
    const query = new URLSearchParams({ collection })
    for (const id of part) query.append('id', id)
    out.push(
      ...(await getJson<DocumentStatus[]>(base, `/supabase-sync/documents?${query}`, signal)),
    )
  }
  return out
}

export function startRun(
  base: ApiBase,
  body: { op: 'validate' | 'sync'; collection: string; ids?: string[] },
): Promise<RunState> {
  return postJson<RunState>(base, '/supabase-sync/runs', body)
}

export function getRun(base: ApiBase, id: string, signal?: AbortSignal): Promise<RunState> {
  return getJson<RunState>(base, `/supabase-sync/runs/${encodeURIComponent(id)}`, signal)
}

/**
 * A document as its edit view shows it, to refill the form after the plugin changed it (a pull): in
 * the form's locale with no fallback (with fallback, an empty German field would come back English
 * and be saved as German on the next autosave), and the latest version where the collection has
 * drafts. The same request Payload's own "Revert to published" makes before it resets the form.
 */
export function documentForForm(
  base: ApiBase,
  collection: string,
  id: string,
  view: { locale?: string; drafts: boolean },
): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ depth: '0' })
  if (view.locale) {
    query.set('locale', view.locale)
    query.set('fallback-locale', 'null')
  }
  if (view.drafts) query.set('draft', 'true')
  return getJson<Record<string, unknown>>(base, `/${collection}/${encodeURIComponent(id)}?${query}`)
}

/** The titles (`useAsTitle`) of documents of a collection, by id, through Payload's REST API. */
export async function documentTitles(
  base: ApiBase,
  collection: string,
  titleField: string | undefined,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  if (!ids.length || !titleField || titleField === 'id') return titles
  const query = new URLSearchParams({ depth: '0', limit: String(ids.length), trash: 'true' })
  ids.forEach((id, i) => query.append(`where[id][in][${i}]`, id))
  query.append(`select[${titleField}]`, 'true')
  const body = await getJson<{ docs?: Array<Record<string, unknown>> }>(
    base,
    `/${collection}?${query}`,
    signal,
  )
  for (const doc of body.docs ?? []) {
    const title = doc[titleField]
    if (title !== undefined && title !== null && title !== '')
      titles.set(String(doc.id), String(title))
  }
  return titles
}

/** Asks a background run to stop (`POST …/runs/:id/cancel`); a failure is shown as a toast by the caller. */
export function cancelRun(base: ApiBase, id: string): Promise<RunState> {
  return postJson<RunState>(base, `/supabase-sync/runs/${encodeURIComponent(id)}/cancel`, {})
}
