/**
 * Shared helpers for the tests of the PostgREST stand-in: a supabase-js client built the way the
 * plugin builds one, raw HTTP for what supabase-js hides (headers, 201 vs 200), and direct SQL.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import pg from 'pg'
import ws from 'ws'
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack.js'

/**
 * The `dealers` table as the stand-in's tests know it (postgrest-subset.md): the columns of the
 * plugin's first sql/001_dealers.sql, RLS on and no grant to anon/authenticated. The stand-in's
 * tests create it themselves rather than apply sql/, which the plugin changes as it evolves.
 */
export const DEALERS_SQL = `
  create table public.dealers (
    id          uuid primary key,
    name        text not null,
    slug        text not null unique,
    domain      text,
    rooftop_id  text,
    api_config  jsonb not null default '{}'::jsonb,
    created_at  timestamptz not null,
    updated_at  timestamptz
  );
  alter table public.dealers enable row level security;
  revoke all on table public.dealers from anon, authenticated;
  grant select, insert, update, delete on table public.dealers to service_role;`

/** A local stack for the stand-in's own tests: no sql/ applied, the `dealers` fixture instead. */
export async function startStandin(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = await startLocalStack({ ...options, applySql: false })
  try {
    await sql(stack, DEALERS_SQL)
  } catch (error) {
    await stack.stop()
    throw error
  }
  return stack
}

/**
 * Waits for a condition, never for a duration: polls `check` until it returns true (or a truthy
 * value, which is returned). The deadline only turns a condition that never comes into a failure
 * with a message instead of a test timeout; it is far above any wait a loaded machine needs.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what = 'the condition',
  deadlineMs = 30_000,
): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Starts a request (a promise, or a supabase-js builder, which sends when awaited) and lets the test
 * read its state: `settled()` is false while it is still pending.
 */
export function track<T>(request: PromiseLike<T>): { promise: Promise<T>; settled(): boolean } {
  let done = false
  const tracked = Promise.resolve(request).finally(() => {
    done = true
  })
  return { promise: tracked, settled: () => done }
}

/** An unmodified supabase-js client; Node 20 has no global WebSocket, realtime needs `ws` then. */
export function supabaseClient(
  stack: LocalStack,
  key: string = stack.serviceRoleKey,
): SupabaseClient {
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
  init: {
    method?: string
    headers?: Record<string, string>
    body?: unknown
    rawBody?: string
    key?: string | null
  } = {},
): Promise<RawResponse> {
  const key = init.key === undefined ? stack.serviceRoleKey : init.key
  const headers: Record<string, string> = {
    ...(key ? { apikey: key, Authorization: `Bearer ${key}` } : {}),
  }
  if (init.body !== undefined || init.rawBody !== undefined)
    headers['Content-Type'] = 'application/json'
  Object.assign(headers, init.headers)
  const res = await fetch(`${stack.supabaseUrl}/rest/v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text === '' ? undefined : JSON.parse(text),
  }
}

/** Runs SQL as the database owner (test fixtures: tables, functions, rows). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  stack: LocalStack,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
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
