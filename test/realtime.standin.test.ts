/**
 * Supabase Realtime in the local stack: postgres_changes through the unmodified supabase-js client
 * (as test/helpers/standin.ts builds it), fed by logical replication of the `supabase_realtime`
 * publication; the frames themselves with a raw WebSocket; the faults (dropSockets, delayEvents);
 * and a stop that leaves no replication slot.
 *
 * Waits are for conditions, never durations. "Nothing arrived" is shown with a later change that does
 * arrive on the same socket: the stand-in sends one change's messages before the next change's, and a
 * WebSocket keeps their order.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import pg from 'pg'
import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signKey } from '../dev/postgrest/auth.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import {
  dealer,
  eventually,
  rest,
  sql,
  startStandin,
  supabaseClient,
  uuid,
} from './helpers/standin.js'

interface Change {
  schema: string
  table: string
  commit_timestamp: string
  eventType: 'INSERT' | 'UPDATE' | 'DELETE'
  new: Record<string, unknown>
  old: Record<string, unknown>
  errors: string[] | null
}

interface SystemMessage {
  extension: string
  status: string
  message: string
  channel: string
}

interface Listener {
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

function client(stack: LocalStack, key?: string): SupabaseClient {
  const c = supabaseClient(stack, key)
  clients.push(c)
  return c
}

let channelCount = 0

function listen(
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

const ISO_MS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** A dealer row as realtime-js hands it over: the columns as PostgreSQL renders them to JSON. */
function dealerRecord(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...dealer(n), ...overrides }
}

let stack: LocalStack

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

describe('postgres_changes through supabase-js', () => {
  it('delivers INSERT, UPDATE and DELETE of a table in the publication, as Supabase sends them', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'dealers' })
    expect(await l.subscribed()).toEqual({
      extension: 'postgres_changes',
      status: 'ok',
      message: 'Subscribed to PostgreSQL',
      channel: l.channel.subTopic,
    })
    expect(l.statuses).toContain('SUBSCRIBED')

    expect((await supabase.from('dealers').insert(dealer(1))).error).toBeNull()
    const [insert] = await l.received(1)
    expect(insert).toMatchObject({
      schema: 'public',
      table: 'dealers',
      eventType: 'INSERT',
      new: dealerRecord(1),
      old: {},
      errors: null,
    })
    expect(Object.keys(insert.new).sort()).toEqual(Object.keys(dealer(1)).sort())
    expect(insert.commit_timestamp).toMatch(ISO_MS_UTC)
    expect(Math.abs(Date.parse(insert.commit_timestamp) - Date.now())).toBeLessThan(60_000)

    await supabase
      .from('dealers')
      .update({ name: 'Renamed', updated_at: '2024-06-01T00:00:00Z' })
      .eq('id', uuid(1))
    const [, update] = await l.received(2)
    expect(update).toMatchObject({
      eventType: 'UPDATE',
      new: dealerRecord(1, { name: 'Renamed', updated_at: '2024-06-01T00:00:00+00:00' }),
      // The default replica identity: the old row's primary key only.
      old: { id: uuid(1) },
      errors: null,
    })
    expect(Date.parse(update.commit_timestamp)).toBeGreaterThanOrEqual(
      Date.parse(insert.commit_timestamp),
    )

    await supabase.from('dealers').delete().eq('id', uuid(1))
    const [, , del] = await l.received(3)
    expect(del).toMatchObject({ eventType: 'DELETE', new: {}, old: { id: uuid(1) }, errors: null })
  })

  it('answers the join first and subscribes after it: changes stream from the system ok on, not from SUBSCRIBED', async () => {
    // Held between the two, as Supabase's subscription waits for its CDC worker.
    const pause = stack.faults.pauseSubscriptions()
    const l = listen(client(stack), { event: 'INSERT', schema: 'public', table: 'items' })
    await eventually(() => l.statuses.includes('SUBSCRIBED'), 'SUBSCRIBED')
    await sql(stack, `insert into public.items values (1, 'after SUBSCRIBED, before the ok', 1)`)
    expect(l.system).toEqual([])
    await pause.resume()
    await l.subscribed()
    await sql(stack, `insert into public.items values (2, 'after the ok', 1)`)
    const [change] = await l.received(1)
    // The first insert was never sent: the second is the first change to arrive.
    expect(change.new).toEqual({ id: 2, label: 'after the ok', qty: 1 })
    expect(l.system).toMatchObject([{ extension: 'postgres_changes', status: 'ok' }])
  })

  it('a change over max_record_bytes arrives with Error 413 and without its values over 64 bytes', async () => {
    const l = listen(client(stack), { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    stack.realtime.setMaxRecordBytes(300)
    try {
      const long = 'x'.repeat(300)
      await sql(stack, `insert into public.items values (1, '${long}', 1)`)
      await sql(stack, `update public.items set qty = 2 where id = 1`)
      await sql(stack, `insert into public.items values (2, 'small', 1)`)
      const [insert, update, small] = await l.received(3)
      expect(insert).toMatchObject({
        eventType: 'INSERT',
        errors: ['Error 413: Payload Too Large'],
        new: { id: 1, qty: 1 },
      })
      expect(insert.new).not.toHaveProperty('label')
      expect(insert.commit_timestamp).toMatch(ISO_MS_UTC)
      // REPLICA IDENTITY FULL: the old row is cut the same way.
      expect(update).toMatchObject({
        errors: ['Error 413: Payload Too Large'],
        old: { id: 1, qty: 1 },
      })
      expect(update.old).not.toHaveProperty('label')
      expect(small).toMatchObject({ errors: null, new: { id: 2, label: 'small', qty: 1 } })
    } finally {
      stack.realtime.setMaxRecordBytes(1024 * 1024)
    }
  })

  it('with REPLICA IDENTITY FULL, old carries the whole old row', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    await sql(stack, `insert into public.items values (1, 'bolt', 5)`)
    await l.received(1)
    await sql(stack, `update public.items set qty = 6 where id = 1`)
    await sql(stack, `delete from public.items where id = 1`)
    const [insert, update, del] = await l.received(3)
    expect(insert).toMatchObject({ eventType: 'INSERT', new: { id: 1, label: 'bolt', qty: 5 } })
    expect(update).toMatchObject({
      eventType: 'UPDATE',
      new: { id: 1, label: 'bolt', qty: 6 },
      old: { id: 1, label: 'bolt', qty: 5 },
    })
    expect(del).toMatchObject({ eventType: 'DELETE', old: { id: 1, label: 'bolt', qty: 6 } })
  })

  it('sends nothing for a table outside the publication', async () => {
    const supabase = client(stack)
    // Every table of the schema: only those in the publication stream.
    const l = listen(supabase, { event: '*', schema: 'public' })
    await l.subscribed()
    await sql(stack, `insert into public.notes values (1, 'not published')`)
    await sql(stack, `update public.notes set body = 'still not' where id = 1`)
    await sql(stack, `insert into public.items values (7, 'published', 1)`)
    await l.received(1)
    expect(l.changes.map((c) => c.table)).toEqual(['items'])
  })

  it('a join on a table outside the publication succeeds, says so in a system message, and gets nothing', async () => {
    const supabase = client(stack)
    const notes = listen(supabase, { event: '*', schema: 'public', table: 'notes' })
    const items = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    const system = await notes.subscribed()
    expect(notes.statuses).toContain('SUBSCRIBED')
    expect(system).toEqual({
      extension: 'postgres_changes',
      status: 'error',
      message:
        'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: notes, filters: [], select: nil]',
      channel: notes.channel.subTopic,
    })
    await items.subscribed()
    await sql(stack, `insert into public.notes values (1, 'x')`)
    await sql(stack, `insert into public.items values (1, 'y', 1)`)
    await items.received(1)
    expect(notes.changes).toEqual([])
  })

  it("a subscription with event: 'UPDATE' gets only updates", async () => {
    const supabase = client(stack)
    const updates = listen(supabase, { event: 'UPDATE', schema: 'public', table: 'dealers' })
    const all = listen(supabase, { event: '*', schema: 'public', table: 'dealers' })
    await updates.subscribed()
    await all.subscribed()
    // One change at a time: dealers has RLS, and (as on Supabase) an INSERT or UPDATE is only sent
    // if the row can still be read by its key when the change is processed.
    await supabase.from('dealers').insert(dealer(1))
    await all.received(1)
    await supabase.from('dealers').update({ name: 'Updated' }).eq('id', uuid(1))
    await all.received(2)
    await supabase.from('dealers').delete().eq('id', uuid(1))
    await all.received(3)
    expect(all.changes.map((c) => c.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE'])
    expect(updates.changes.map((c) => [c.eventType, c.new.name])).toEqual([['UPDATE', 'Updated']])
  })

  it('honours a filter like id=eq.x', async () => {
    const supabase = client(stack)
    const one = listen(supabase, {
      event: '*',
      schema: 'public',
      table: 'dealers',
      filter: `id=eq.${uuid(2)}`,
    })
    const all = listen(supabase, { event: '*', schema: 'public', table: 'dealers' })
    await one.subscribed()
    await all.subscribed()
    for (const n of [1, 2]) {
      await supabase.from('dealers').insert(dealer(n))
      await all.received(all.changes.length + 1)
    }
    for (const n of [1, 2]) {
      await supabase.from('dealers').delete().eq('id', uuid(n))
      await all.received(all.changes.length + 1)
    }
    expect(one.changes.map((c) => [c.eventType, c.new.id ?? c.old.id])).toEqual([
      ['INSERT', uuid(2)],
      ['DELETE', uuid(2)],
    ])
  })

  it('the anon key gets no row data from a table it cannot read', async () => {
    const anon = listen(client(stack, stack.anonKey), {
      event: '*',
      schema: 'public',
      table: 'dealers',
    })
    await anon.subscribed()
    const service = client(stack)
    await service.from('dealers').insert(dealer(1))
    await service.from('dealers').update({ name: 'Secret' }).eq('id', uuid(1))
    await service.from('dealers').delete().eq('id', uuid(1))
    const changes = await anon.received(3)
    // As Supabase's apply_rls: INSERT/UPDATE become 401 errors without a record, DELETE comes
    // with the old row reduced to the columns anon may read (none).
    expect(changes.map((c) => [c.eventType, c.new, c.old, c.errors])).toEqual([
      ['INSERT', {}, {}, ['Error 401: Unauthorized']],
      ['UPDATE', {}, {}, ['Error 401: Unauthorized']],
      ['DELETE', {}, {}, null],
    ])
  })

  it('the anon key gets only the rows RLS lets it see (deletes: the primary key only)', async () => {
    const anon = listen(client(stack, stack.anonKey), {
      event: '*',
      schema: 'public',
      table: 'posts',
    })
    await anon.subscribed()
    await sql(stack, `insert into public.posts values (1, 'private', 'hidden')`)
    await sql(stack, `insert into public.posts values (2, 'public', 'shown')`)
    await anon.received(1)
    await sql(stack, `delete from public.posts where id = 1`)
    await anon.received(2)
    expect(anon.changes.map((c) => [c.eventType, c.new, c.old])).toEqual([
      ['INSERT', { id: 2, owner: 'public', body: 'shown' }, {}],
      // RLS is not applied to deletes: the private row's delete arrives, with its key alone.
      ['DELETE', {}, { id: 1 }],
    ])
  })
})

describe('faults', () => {
  it('after dropSockets() the client reconnects, rejoins, and changes arrive again', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    await sql(stack, `insert into public.items values (1, 'before', 1)`)
    await l.received(1)

    // Sockets of earlier tests' clients may still be closing on the server's side.
    await eventually(() => stack.realtime.status().sockets === 1, 'one socket')
    expect(stack.faults.dropSockets()).toBe(1)
    // The channel errors, the socket reconnects by itself, the channel rejoins and subscribes again.
    await eventually(() => l.statuses.includes('CHANNEL_ERROR'), 'the channel to see the drop')
    const again = await l.subscribed(2)
    expect(again.status).toBe('ok')
    expect(l.statuses.filter((s) => s === 'SUBSCRIBED')).toHaveLength(2)

    await sql(stack, `insert into public.items values (2, 'after', 1)`)
    const changes = await l.received(2)
    expect(changes.map((c) => c.new.label)).toEqual(['before', 'after'])
    await eventually(() => stack.realtime.status().sockets === 1, 'the dropped socket to be gone')
    expect(stack.realtime.status()).toMatchObject({ sockets: 1, channels: 1, subscriptions: 1 })
  })

  it('pauseSubscriptions(): no change streams until resume(), which subscribes again and says ok, without a rejoin', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    const notes = listen(supabase, { event: '*', schema: 'public', table: 'notes' })
    await l.subscribed()
    expect((await notes.subscribed()).status).toBe('error')
    const pause = stack.faults.pauseSubscriptions()
    expect(stack.realtime.status().subscriptions).toBe(0)
    await sql(stack, `insert into public.items values (1, 'in the gap', 1)`)
    // As on Supabase after a publication change: the refused channel is subscribed again too.
    await sql(stack, 'alter publication supabase_realtime add table public.notes')
    try {
      await pause.resume()
      expect(await l.subscribed(2)).toMatchObject({
        status: 'ok',
        message: 'Subscribed to PostgreSQL',
      })
      expect(await notes.subscribed(2)).toMatchObject({ status: 'ok' })
      await sql(stack, `insert into public.items values (2, 'after', 1)`)
      await sql(stack, `insert into public.notes values (1, 'now published')`)
      await l.received(1)
      await notes.received(1)
      expect(l.changes.map((c) => c.new.label)).toEqual(['after'])
      expect(l.statuses).toEqual(['SUBSCRIBED'])
    } finally {
      await sql(stack, 'alter publication supabase_realtime drop table public.notes')
    }
  })

  it('closeChannels(): a system error, then phx_close; realtime-js does not rejoin the channel', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    expect(stack.faults.closeChannels('Token has expired 5 seconds ago')).toBe(1)
    await eventually(() => l.statuses.includes('CLOSED'), 'CLOSED')
    expect(l.system[1]).toMatchObject({
      extension: 'system',
      status: 'error',
      message: 'Token has expired 5 seconds ago',
    })
    expect(supabase.getChannels()).toEqual([])
    await eventually(() => stack.realtime.status().channels === 0, 'no channel on the server')
  })

  it('delayEvents(ms) delivers postgres_changes messages that much later', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    stack.faults.delayEvents(300)
    const before = Date.now()
    await sql(stack, `insert into public.items values (1, 'late', 1)`)
    await l.received(1)
    expect(l.arrivals[0] - before).toBeGreaterThanOrEqual(300)
  })

  it('clear() ends delayEvents and sends the messages it held', async () => {
    const supabase = client(stack)
    const l = listen(supabase, { event: '*', schema: 'public', table: 'items' })
    await l.subscribed()
    stack.faults.delayEvents(3_600_000)
    await sql(stack, `insert into public.items values (1, 'a', 1)`)
    await sql(stack, `insert into public.items values (2, 'b', 1)`)
    await eventually(() => stack.realtime.status().delayed === 2, 'the messages to be held')
    expect(l.changes).toEqual([])
    await stack.faults.clear()
    const changes = await l.received(2)
    expect(changes.map((c) => c.new.id)).toEqual([1, 2])
    // And later messages are not delayed any more.
    await sql(stack, `insert into public.items values (3, 'c', 1)`)
    await l.received(3)
    expect(stack.realtime.status().delayed).toBe(0)
  })
})

/** A raw Realtime socket: the frames as they travel (vsn 2.0.0 arrays). */
async function rawSocket(
  s: LocalStack,
  key = s.serviceRoleKey,
): Promise<{
  ws: WebSocket
  frames: unknown[][]
  send(frame: unknown[]): void
  next(match: (f: unknown[]) => boolean): Promise<unknown[]>
}> {
  const url = `${s.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${key}&vsn=2.0.0`
  const ws = new WebSocket(url)
  const frames: unknown[][] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next: (match) => eventually(() => frames.find(match), 'a frame') as Promise<unknown[]>,
  }
}

describe('the protocol, frame by frame', () => {
  it('serves Realtime on the REST port; other upgrade paths get 404', async () => {
    expect((await rest(stack, 'dealers')).status).toBe(200)
    const raw = await rawSocket(stack)
    raw.ws.terminate()
    const other = new WebSocket(`${stack.supabaseUrl.replace(/^http/, 'ws')}/rest/v1/dealers`)
    const status = await new Promise<number | undefined>((resolve) => {
      other.once('unexpected-response', (_req, res) => resolve(res.statusCode))
      other.once('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
  })

  it('join reply with ids, system message, postgres_changes with columns, heartbeat, leave', async () => {
    const raw = await rawSocket(stack)
    try {
      raw.send([null, '1', 'phoenix', 'heartbeat', {}])
      expect(await raw.next((f) => f[1] === '1')).toEqual([
        null,
        '1',
        'phoenix',
        'phx_reply',
        { status: 'ok', response: {} },
      ])

      const entry = { event: 'UPDATE', schema: 'public', table: 'items', filter: 'id=eq.2' }
      raw.send([
        '3',
        '3',
        'realtime:raw',
        'phx_join',
        {
          config: {
            broadcast: { ack: false, self: false },
            presence: { key: '', enabled: false },
            postgres_changes: [entry],
            private: false,
          },
          access_token: stack.serviceRoleKey,
        },
      ])
      const joined = (await raw.next((f) => f[1] === '3')) as [
        string,
        string,
        string,
        string,
        { status: string; response: { postgres_changes: { id: number }[] } },
      ]
      expect(joined.slice(0, 4)).toEqual(['3', '3', 'realtime:raw', 'phx_reply'])
      expect(joined[4].status).toBe('ok')
      const [withId] = joined[4].response.postgres_changes
      expect(withId).toEqual({ ...entry, id: expect.any(Number) })
      expect(await raw.next((f) => f[3] === 'system')).toEqual([
        '3',
        null,
        'realtime:raw',
        'system',
        {
          extension: 'postgres_changes',
          status: 'ok',
          message: 'Subscribed to PostgreSQL',
          channel: 'raw',
        },
      ])

      // Only the update of row 2 passes the event and filter, on the server already.
      await sql(stack, `insert into public.items values (1, 'a', 1), (2, 'b', 1)`)
      await sql(stack, `update public.items set qty = qty + 1`)
      await sql(stack, `delete from public.items`)
      const change = (await raw.next((f) => f[3] === 'postgres_changes')) as unknown[]
      expect(change.slice(0, 3)).toEqual([null, null, 'realtime:raw'])
      const payload = change[4] as { ids: number[]; data: Record<string, unknown> }
      expect(payload.ids).toEqual([withId.id])
      expect(payload.data).toEqual({
        schema: 'public',
        table: 'items',
        type: 'UPDATE',
        commit_timestamp: expect.stringMatching(ISO_MS_UTC),
        columns: [
          { name: 'id', type: 'int4' },
          { name: 'label', type: 'text' },
          { name: 'qty', type: 'int4' },
        ],
        record: { id: 2, label: 'b', qty: 2 },
        old_record: { id: 2, label: 'b', qty: 1 },
        errors: null,
      })

      raw.send(['3', '4', 'realtime:raw', 'phx_leave', {}])
      expect(await raw.next((f) => f[1] === '4')).toEqual([
        '3',
        '4',
        'realtime:raw',
        'phx_reply',
        { status: 'ok', response: {} },
      ])
      expect(await raw.next((f) => f[3] === 'phx_close')).toEqual([
        '3',
        '3',
        'realtime:raw',
        'phx_close',
        {},
      ])
      raw.send([null, '5', 'realtime:raw', 'broadcast', {}])
      expect(await raw.next((f) => f[1] === '5')).toEqual([
        null,
        '5',
        'realtime:raw',
        'phx_reply',
        { status: 'error', response: { reason: 'unmatched topic' } },
      ])
      expect(raw.frames.filter((f) => f[3] === 'postgres_changes')).toHaveLength(1)
    } finally {
      raw.ws.terminate()
    }
  })

  it('speaks protocol 1.0.0 (JSON objects) too', async () => {
    const ws = new WebSocket(
      `${stack.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${stack.serviceRoleKey}&vsn=1.0.0`,
    )
    const frames: unknown[] = []
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())))
    await new Promise((resolve) => ws.once('open', resolve))
    try {
      ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '7' }))
      expect(await eventually(() => frames[0], 'the reply')).toEqual({
        topic: 'phoenix',
        event: 'phx_reply',
        payload: { status: 'ok', response: {} },
        ref: '7',
      })
    } finally {
      ws.terminate()
    }
  })

  it('a refreshed access_token re-subscribes with the new role', async () => {
    const raw = await rawSocket(stack)
    try {
      const entry = { event: '*', schema: 'public', table: 'dealers' }
      raw.send(['1', '1', 'realtime:r', 'phx_join', { config: { postgres_changes: [entry] } }])
      await raw.next((f) => f[3] === 'system')
      // The service role sees the row ...
      await rest(stack, 'dealers', { method: 'POST', body: dealer(1) })
      const first = (await raw.next((f) => f[3] === 'postgres_changes')) as any[]
      expect(first[4].data.record.id).toBe(uuid(1))
      // ... anon, after the refresh, only a 401.
      raw.send(['1', '2', 'realtime:r', 'access_token', { access_token: stack.anonKey }])
      await eventually(
        () => raw.frames.filter((f) => f[3] === 'system').length === 2,
        'resubscribed',
      )
      expect(raw.frames.filter((f) => f[3] === 'system')[1][4]).toMatchObject({
        extension: 'postgres_changes',
        status: 'ok',
      })
      await rest(stack, 'dealers', { method: 'POST', body: dealer(2) })
      await eventually(
        () => raw.frames.filter((f) => f[3] === 'postgres_changes').length === 2,
        'the second change',
      )
      const second = raw.frames.filter((f) => f[3] === 'postgres_changes')[1] as any[]
      expect(second[4].data).toMatchObject({ errors: ['Error 401: Unauthorized'], record: {} })
    } finally {
      raw.ws.terminate()
    }
  })

  it('refuses a bad key at connect (401) and at join, and closes a channel on a bad refreshed token', async () => {
    const refused = await rawSocket(stack, 'not-a-jwt').then(
      () => 'connected',
      (error: Error) => error.message,
    )
    expect(refused).toMatch(/401/)

    const raw = await rawSocket(stack)
    try {
      raw.send(['1', '1', 'realtime:a', 'phx_join', { config: {}, access_token: 'x.y.z' }])
      expect(await raw.next((f) => f[1] === '1')).toEqual([
        '1',
        '1',
        'realtime:a',
        'phx_reply',
        {
          status: 'error',
          response: { reason: 'MalformedJWT: The token provided is not a valid JWT' },
        },
      ])
      raw.send(['2', '2', 'realtime:b', 'phx_join', { config: { postgres_changes: [] } }])
      expect(((await raw.next((f) => f[1] === '2')) as any)[4]).toEqual({
        status: 'ok',
        response: { postgres_changes: [] },
      })
      // A valid refreshed token (another role): the subscriptions are made again, for that role.
      raw.send(['2', '3', 'realtime:b', 'access_token', { access_token: stack.anonKey }])
      raw.send([null, '4', 'phoenix', 'heartbeat', {}])
      await raw.next((f) => f[1] === '4')
      expect(raw.frames.filter((f) => f[2] === 'realtime:b' && f[3] !== 'phx_reply')).toEqual([])
      // The refreshed token is signed with another secret: the channel is shut down.
      const other = await signKey('a-secret-of-another-project-0123', 'service_role')
      raw.send(['2', '5', 'realtime:b', 'access_token', { access_token: other }])
      expect(await raw.next((f) => f[3] === 'system')).toEqual([
        '2',
        null,
        'realtime:b',
        'system',
        {
          extension: 'system',
          status: 'error',
          message: 'Failed to validate JWT signature',
          channel: 'b',
        },
      ])
      expect(await raw.next((f) => f[3] === 'phx_close')).toEqual([
        '2',
        '2',
        'realtime:b',
        'phx_close',
        {},
      ])
    } finally {
      raw.ws.terminate()
    }
  })
})

describe('stop', () => {
  it('stops replication and leaves no replication slot, no walsender and no connection', async () => {
    // A second stand-in on this stack's server (its own database), so the server outlives its stop.
    const admin = new URL(stack.supabaseDbUri)
    admin.pathname = '/postgres'
    await sql({ ...stack, supabaseDbUri: admin.toString() }, 'create database supabase_b')
    const dbB = new URL(stack.supabaseDbUri)
    dbB.pathname = '/supabase_b'
    const b = await startLocalStack({
      databaseUri: stack.databaseUri,
      supabaseDbUri: dbB.toString(),
      applySql: false,
    })
    const inspect = new pg.Client({ connectionString: admin.toString() })
    await inspect.connect()
    try {
      await sql(
        b,
        `create table public.t (id int primary key);
         alter publication supabase_realtime add table public.t`,
      )
      const l = listen(client(b), { event: '*', schema: 'public', table: 't' })
      await l.subscribed()
      await sql(b, 'insert into public.t values (1)')
      await l.received(1)
      const { rows: slots } = await inspect.query(
        'select temporary, active, active_pid from pg_replication_slots where slot_name = $1',
        [b.realtime.slotName],
      )
      expect(slots).toEqual([{ temporary: true, active: true, active_pid: expect.any(Number) }])
      expect(b.realtime.status().replication).toBe('streaming')

      await b.stop()
      const { rows: after } = await inspect.query(
        'select 1 from pg_replication_slots where slot_name = $1',
        [b.realtime.slotName],
      )
      expect(after).toEqual([])
      // stop() waited for the walsender to end; the other connections end with their pools (a
      // backend leaves pg_stat_activity just after its client sees the socket close).
      const { rows: walsender } = await inspect.query(
        'select 1 from pg_stat_activity where pid = $1',
        [slots[0].active_pid],
      )
      expect(walsender).toEqual([])
      await eventually(async () => {
        const { rows } = await inspect.query(
          `select 1 from pg_stat_activity where datname = 'supabase_b'`,
        )
        return rows.length === 0
      }, 'no connection to supabase_b')
    } finally {
      await b.stop()
      await inspect.end()
    }
  })
})
