/**
 * What the tests of the stand-in's Realtime share (test/realtime.standin*.test.ts): one stand-in per
 * file with the tables they stream (`dealers`, `items` with the whole old row, `posts` under RLS, and
 * `notes` outside the publication), supabase-js clients removed after each test, and a listener that
 * records what a channel receives. `stack` is the file's stand-in, set in its beforeAll.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import type { LocalStack } from '../../dev/stack.js'
import { dealer, eventually, sql, startStandin, supabaseClient } from './standin.js'

export interface Change {
  schema: string
  table: string
  commit_timestamp: string
  eventType: 'INSERT' | 'UPDATE' | 'DELETE'
  new: Record<string, unknown>
  old: Record<string, unknown>
  errors: string[] | null
}

export interface SystemMessage {
  extension: string
  status: string
  message: string
  channel: string
}

export interface Listener {
  channel: RealtimeChannel
  changes: Change[]
  /** When each change arrived (Date.now()). */
  arrivals: number[]
  system: SystemMessage[]
  statuses: string[]
  /** Resolves once the n-th postgres_changes system message (ok or error) has arrived. */
  subscribed(n?: number): Promise<SystemMessage>
  /** Resolves once `count` changes have arrived. */
  received(count: number): Promise<Change[]>
}

const clients: SupabaseClient[] = []

export function client(stack: LocalStack, key?: string): SupabaseClient {
  const c = supabaseClient(stack, key)
  clients.push(c)
  return c
}

let channelCount = 0

export function listen(
  supabase: SupabaseClient,
  filter: {
    event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
    schema: string
    table?: string
    filter?: string
  },
): Listener {
  const changes: Change[] = []
  const arrivals: number[] = []
  const system: SystemMessage[] = []
  const statuses: string[] = []
  const channel = supabase
    .channel(`test-${++channelCount}`)
    .on('postgres_changes', filter as never, (payload: Change) => {
      changes.push(payload)
      arrivals.push(Date.now())
    })
    .on('system', {}, (payload: SystemMessage) => system.push(payload))
    .subscribe((status) => statuses.push(status))
  return {
    channel,
    changes,
    arrivals,
    system,
    statuses,
    subscribed: (n = 1) =>
      eventually(
        () => system.filter((m) => m.extension === 'postgres_changes')[n - 1],
        'subscribed',
      ),
    received: async (count) => {
      await eventually(() => changes.length >= count, `${count} change(s)`)
      return changes
    },
  }
}

export const ISO_MS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** A dealer row as realtime-js hands it over: the columns as PostgreSQL renders them to JSON. */
export function dealerRecord(
  n: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...dealer(n), ...overrides }
}

export let stack: LocalStack

/**
 * Registers the test file's hooks: one stand-in for the file, with the tables above; a clean slate
 * before each test, and its clients' channels and the faults gone after it.
 */
export function useRealtimeStandin(): void {
  beforeAll(async () => {
    stack = await startStandin()
    await sql(
      stack,
      `alter publication supabase_realtime add table public.dealers;
     -- Not in the publication.
     create table public.notes (id int primary key, body text);
     -- In the publication, no RLS, the whole old row in the WAL.
     create table public.items (id int primary key, label text, qty int);
     alter table public.items replica identity full;
     -- In the publication; anon may read it, RLS lets it see the 'public' rows only.
     create table public.posts (id int primary key, owner text not null, body text);
     alter table public.posts enable row level security;
     grant select on public.posts to anon;
     create policy posts_public on public.posts for select to anon using (owner = 'public');
     alter publication supabase_realtime add table public.items, public.posts;`,
    )
  })

  afterAll(async () => {
    await stack?.stop()
  })

  beforeEach(async () => {
    // TRUNCATE is not streamed (as on Supabase): a clean slate without events.
    await sql(stack, 'truncate public.dealers, public.notes, public.items, public.posts')
  })

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.removeAllChannels()))
    await stack.faults.clear()
  })
}
