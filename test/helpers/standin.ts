/**
 * Shared helpers for the tests of the PostgREST stand-in: a supabase-js client built the way the
 * plugin builds one, raw HTTP for what supabase-js hides (headers, 201 vs 200), and direct SQL.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import pg from 'pg'
import ws from 'ws'
import type { LocalStack } from '../../dev/stack.js'

/** An unmodified supabase-js client; Node 20 has no global WebSocket, realtime needs `ws` then. */
export function supabaseClient(stack: LocalStack, key: string = stack.serviceRoleKey): SupabaseClient {
  return createClient(stack.supabaseUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    ...(globalThis.WebSocket ? {} : { realtime: { transport: ws as never } }),
  })
}

export interface RawResponse {
  status: number
  headers: Headers
  text: string
  /** The parsed body, or undefined when empty. */
  json: unknown
}

/**
 * A request to `/rest/v1/<path>` with the service-role key (unless `key` says otherwise, `null` for
 * no key at all), and a JSON body when given.
 */
export async function rest(
  stack: LocalStack,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string; key?: string | null } = {},
): Promise<RawResponse> {
  const key = init.key === undefined ? stack.serviceRoleKey : init.key
  const headers: Record<string, string> = { ...(key ? { apikey: key, Authorization: `Bearer ${key}` } : {}) }
  if (init.body !== undefined || init.rawBody !== undefined) headers['Content-Type'] = 'application/json'
  Object.assign(headers, init.headers)
  const res = await fetch(`${stack.supabaseUrl}/rest/v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text) }
}

/** Runs SQL as the database owner (test fixtures: tables, functions, rows). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(stack: LocalStack, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: stack.supabaseDbUri })
  await client.connect()
  try {
    const result = await client.query<R>(text, values)
    return result.rows
  } finally {
    await client.end()
  }
}

/** A deterministic uuid for row n (…000000000042). */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}

export interface DealerRow {
  id: string
  name: string
  slug: string
  domain: string | null
  rooftop_id: string | null
  api_config: unknown
  created_at: string
  updated_at: string | null
}

export function dealer(n: number, overrides: Partial<DealerRow> = {}): DealerRow {
  return {
    id: uuid(n),
    name: `Dealer ${n}`,
    slug: `dealer-${n}`,
    domain: `dealer${n}.example.com`,
    rooftop_id: n % 3 === 0 ? null : `R${n % 7}`,
    api_config: { n, tags: ['a', 'b'] },
    created_at: '2024-05-01T10:34:56.789+00:00',
    updated_at: null,
    ...overrides,
  }
}

export function dealers(count: number, from = 1): DealerRow[] {
  return Array.from({ length: count }, (_, i) => dealer(from + i))
}
