/**
 * Supabase Realtime in the local stack: postgres_changes through the unmodified supabase-js client
 * (as test/helpers/standin.ts builds it), fed by logical replication of the `supabase_realtime`
 * publication. Its faults and stop: realtime.standin-faults.test.ts; the frames themselves with a raw
 * WebSocket: realtime.standin-protocol.test.ts.
 *
 * Waits are for conditions, never durations. "Nothing arrived" is shown with a later change that does
 * arrive on the same socket: the stand-in sends one change's messages before the next change's, and a
 * WebSocket keeps their order. The stand-in and the listener: test/helpers/realtime-standin.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  client,
  dealerRecord,
  ISO_MS_UTC,
  listen,
  stack,
  useRealtimeStandin,
} from './helpers/realtime-standin.js'
import { dealer, eventually, sql, uuid } from './helpers/standin.js'

useRealtimeStandin()

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
