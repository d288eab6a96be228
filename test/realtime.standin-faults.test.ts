/**
 * Supabase Realtime in the local stack: its faults (dropSockets, pauseSubscriptions, closeChannels,
 * delayEvents) as supabase-js sees them, and a stop that leaves no replication slot.
 *
 * Waits are for conditions, never durations. "Nothing arrived" is shown with a later change that does
 * arrive on the same socket: the stand-in sends one change's messages before the next change's, and a
 * WebSocket keeps their order. The stand-in and the listener: test/helpers/realtime-standin.ts.
 */
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startLocalStack } from '../dev/stack.js'
import { client, listen, stack, useRealtimeStandin } from './helpers/realtime-standin.js'
import { eventually, sql } from './helpers/standin.js'

useRealtimeStandin()

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
