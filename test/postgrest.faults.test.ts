/**
 * Fault injection and request statistics of the stand-in, as a client sees them through supabase-js
 * and raw fetch. Every test waits for conditions (a request is held, a promise is still pending),
 * never for durations; the only times measured are latency's lower bounds, which no load can break.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { LocalStack } from '../dev/stack.js'
import {
  dealer,
  eventually,
  rest,
  sql,
  startStandin,
  supabaseClient,
  track,
  uuid,
} from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

beforeAll(async () => {
  stack = await startStandin()
  supabase = supabaseClient(stack)
  await sql(stack, `create function ping() returns text language sql as $$ select 'pong' $$`)
})

beforeEach(async () => {
  await stack.faults.clear()
  stack.resetStats()
  await sql(stack, 'truncate dealers')
})

afterEach(async () => {
  await stack.faults.clear()
})

afterAll(async () => {
  await stack?.stop()
})

async function dealerCount(): Promise<number> {
  const [{ n }] = await sql<{ n: number }>(stack, 'select count(*)::int as n from dealers')
  return n
}

/** The error code of a failed fetch (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
async function networkErrorCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause
    return cause?.code ?? 'unknown'
  }
  throw new Error('expected a network error')
}

describe('failNext', () => {
  it('answers the next request with 503 and a PostgREST-shaped body; nothing is written', async () => {
    stack.faults.failNext(1)
    const { status, error } = await supabase.from('dealers').insert(dealer(1))
    expect(status).toBe(503)
    expect(error).toEqual({
      code: 'PGRST000',
      details: null,
      hint: null,
      message: 'Database connection error.',
    })
    expect(await dealerCount()).toBe(0)
    const again = await supabase.from('dealers').insert(dealer(1))
    expect(again.status).toBe(201)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 1 })
  })

  it('fails exactly `count` requests', async () => {
    stack.faults.failNext(2, 500, {
      code: '40001',
      message: 'could not serialize access due to concurrent update',
    })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++)
      statuses.push((await supabase.from('dealers').insert(dealer(i))).status)
    expect(statuses).toEqual([500, 500, 201])
    const first = await rest(stack, 'dealers')
    expect(first.status).toBe(200)
  })

  it('429 carries Retry-After (1 s unless told otherwise)', async () => {
    stack.faults.failNext(1, 429, { retryAfter: 7 })
    const res = await rest(stack, 'dealers', { method: 'POST', body: dealer(1) })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(res.json).toEqual({
      code: '429',
      details: null,
      hint: null,
      message: 'Too Many Requests',
    })
    stack.faults.failNext(1, 429)
    expect((await rest(stack, 'dealers')).headers.get('retry-after')).toBe('1')
  })

  it('custom code and message, e.g. a 500 with SQLSTATE 57P01', async () => {
    stack.faults.failNext(1, 503, {
      code: '57P01',
      message: 'terminating connection due to administrator command',
    })
    const { status, error } = await supabase.from('dealers').upsert(dealer(1), { onConflict: 'id' })
    expect(status).toBe(503)
    expect(error).toMatchObject({
      code: '57P01',
      message: 'terminating connection due to administrator command',
    })
  })

  it('path limits the failure to one resource (a table or rpc/<fn>)', async () => {
    stack.faults.failNext(1, 503, { path: 'rpc/ping' })
    expect((await supabase.from('dealers').insert(dealer(1))).status).toBe(201)
    const rpc = await supabase.rpc('ping')
    expect(rpc.status).toBe(503)
    expect((await supabase.rpc('ping')).data).toBe('pong')
    stack.faults.failNext(1, 502, { path: '/rest/v1/dealers' })
    expect((await supabase.rpc('ping')).status).toBe(200)
    expect((await supabase.from('dealers').delete().eq('id', uuid(1))).status).toBe(502)
  })

  it('supabase-js retries a GET on 503 by itself (Retry-After: 0); .retry(false) sees the 503', async () => {
    stack.faults.failNext(1, 503, { retryAfter: 0 })
    const retried = await supabase.from('dealers').select('id')
    expect(retried.status).toBe(200)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 1 })
    stack.faults.failNext(1, 503)
    const noRetry = await supabase.from('dealers').select('id').retry(false)
    expect(noRetry.status).toBe(503)
  })
})

describe('latency', () => {
  it('delays every response by at least ms, or by at least min of [min, max]', async () => {
    // Lower bounds only: a loaded machine can make a request slower, never faster.
    stack.faults.latency(300)
    let start = performance.now()
    await supabase.from('dealers').select('id')
    expect(performance.now() - start).toBeGreaterThanOrEqual(295)

    stack.faults.latency([100, 150])
    start = performance.now()
    await rest(stack, 'dealers')
    expect(performance.now() - start).toBeGreaterThanOrEqual(95)
  })

  it('0 turns it off: after a latency of an hour, the next request is answered', async () => {
    stack.faults.latency(3_600_000)
    stack.faults.latency(0)
    expect((await rest(stack, 'dealers')).status).toBe(200)
  })

  it('a client timeout fires while the server is slow', async () => {
    stack.faults.latency(3_600_000)
    // The client's own timeout is what is tested here; the server would answer only in an hour.
    const { error } = await supabase
      .from('dealers')
      .select('id')
      .abortSignal(AbortSignal.timeout(50))
    expect(error?.message).toMatch(/AbortError|TimeoutError/)
  })
})

describe('hold', () => {
  it('holds a matching request before it is handled: nothing written until release()', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const insert = track(supabase.from('dealers').insert(dealer(1)))
    await hold.arrived
    expect(hold.held()).toBe(1)
    expect(await dealerCount()).toBe(0)
    // Requests that do not match pass meanwhile: another method, another resource.
    expect((await supabase.from('dealers').select('id')).data).toEqual([])
    expect((await supabase.rpc('ping')).data).toBe('pong')
    expect(insert.settled()).toBe(false)
    hold.release()
    expect((await insert.promise).status).toBe(201)
    expect(hold.held()).toBe(0)
    expect(await dealerCount()).toBe(1)
    expect(stack.stats().byTable.dealers).toEqual({ GET: 1, POST: 1 })
  })

  it('interleaves deterministically: the write sent second lands first, the held one overwrites it', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const order: string[] = []
    const first = track(
      supabase.from('dealers').upsert(dealer(1, { name: 'sent first' }), { onConflict: 'id' }),
    )
    void first.promise.then(() => order.push('first'))
    await hold.arrived
    const second = await supabase
      .from('dealers')
      .upsert(dealer(1, { name: 'sent second' }), { onConflict: 'id' })
    order.push('second')
    expect(second.status).toBe(201)
    expect(first.settled()).toBe(false)
    hold.release()
    // An update now: the row the second request inserted is there.
    expect((await first.promise).status).toBe(200)
    expect(order).toEqual(['second', 'first'])
    expect(await sql(stack, 'select name from dealers')).toEqual([{ name: 'sent first' }])
  })

  it('count holds that many requests; later ones pass; release() lets them all go', async () => {
    const hold = stack.faults.hold({ path: 'rpc/ping', count: 2 })
    const a = track(supabase.rpc('ping'))
    const b = track(supabase.rpc('ping'))
    await hold.arrived
    await eventually(() => hold.held() === 2, 'two requests held')
    expect((await supabase.rpc('ping')).data).toBe('pong')
    expect(a.settled() || b.settled()).toBe(false)
    hold.release()
    expect((await a.promise).data).toBe('pong')
    expect((await b.promise).data).toBe('pong')
    expect(stack.stats().byTable['rpc/ping']).toEqual({ POST: 3 })
  })

  it('release() ends the hold: matching requests that come later are not held', async () => {
    const hold = stack.faults.hold({ path: 'dealers', count: 5 })
    const first = track(rest(stack, 'dealers'))
    await hold.arrived
    hold.release()
    expect((await first.promise).status).toBe(200)
    expect((await rest(stack, 'dealers')).status).toBe(200)
    expect(hold.held()).toBe(0)
  })

  it('afterHandling: the write is committed, the response waits for release()', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST', afterHandling: true })
    const insert = track(supabase.from('dealers').insert(dealer(1)).select('id'))
    await hold.arrived
    expect(await dealerCount()).toBe(1)
    expect(hold.held()).toBe(1)
    expect(insert.settled()).toBe(false)
    // The committed row is visible to other clients before the writer hears back.
    expect((await supabase.from('dealers').select('id')).data).toEqual([{ id: uuid(1) }])
    hold.release()
    const { status, data } = await insert.promise
    expect(status).toBe(201)
    expect(data).toEqual([{ id: uuid(1) }])
  })

  it("whenGone: 'drop': a held request whose client gives up is dropped, never served", async () => {
    // A request lost before it reached PostgREST; by default it is served (postgrest.abandoned.test.ts).
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST', whenGone: 'drop' })
    const controller = new AbortController()
    const insert = track(supabase.from('dealers').insert(dealer(1)).abortSignal(controller.signal))
    await hold.arrived
    controller.abort()
    expect((await insert.promise).error?.message).toMatch(/AbortError/)
    await eventually(() => hold.held() === 0, 'the server to drop the abandoned request')
    hold.release()
    expect(await dealerCount()).toBe(0)
    expect(stack.stats()).toMatchObject({ total: 0, faulted: 0 })
    expect((await supabase.from('dealers').insert(dealer(1))).status).toBe(201)
  })

  it('clear() releases held requests, before and after handling', async () => {
    const before = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const after = stack.faults.hold({ path: 'dealers', method: 'PATCH', afterHandling: true })
    const insert = track(supabase.from('dealers').insert(dealer(1)))
    await before.arrived
    await sql(
      stack,
      `insert into dealers (id, name, slug, created_at) values ($1, 'x', 'x', now())`,
      [uuid(2)],
    )
    const patch = track(supabase.from('dealers').update({ name: 'y' }).eq('id', uuid(2)))
    await after.arrived
    await stack.faults.clear()
    expect((await insert.promise).status).toBe(201)
    expect((await patch.promise).status).toBe(204)
    expect(before.held() + after.held()).toBe(0)
  })
})

describe('resetNext', () => {
  it('destroys the connection: supabase-js sees a network error (status 0) and nothing is written', async () => {
    stack.faults.resetNext(1)
    const { status, error } = await supabase.from('dealers').insert(dealer(1))
    expect(status).toBe(0)
    expect(error?.message).toMatch(/fetch failed/)
    expect(await dealerCount()).toBe(0)
    expect((await supabase.from('dealers').insert(dealer(1))).status).toBe(201)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 1 })
  })

  it('afterHandling: the write lands but the answer is lost', async () => {
    stack.faults.resetNext(1, { afterHandling: true })
    const { status } = await supabase.from('dealers').upsert(dealer(1), { onConflict: 'id' })
    expect(status).toBe(0)
    expect(await dealerCount()).toBe(1)
    // The retry of an idempotent upsert is then an update: 200.
    expect((await supabase.from('dealers').upsert(dealer(1), { onConflict: 'id' })).status).toBe(
      200,
    )
  })

  it('supabase-js retries a GET after a network error by itself', async () => {
    stack.faults.resetNext(1, { path: 'dealers' })
    const { status, error } = await supabase.from('dealers').select('id')
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 1 })
  })

  it('raw fetch sees the socket error', async () => {
    stack.faults.resetNext(1)
    const code = await networkErrorCode(() =>
      fetch(`${stack.supabaseUrl}/rest/v1/dealers`, { headers: { apikey: stack.serviceRoleKey } }),
    )
    expect(code).toMatch(/UND_ERR_SOCKET|ECONNRESET/)
  })
})

describe('down / up', () => {
  it('down refuses connections (ECONNREFUSED), up serves again on the same URL', async () => {
    // A kept-alive connection must not survive down().
    expect((await rest(stack, 'dealers')).status).toBe(200)
    await stack.faults.down()
    expect(stack.faults.isDown).toBe(true)
    const code = await networkErrorCode(() =>
      fetch(`${stack.supabaseUrl}/rest/v1/dealers`, { headers: { apikey: stack.serviceRoleKey } }),
    )
    expect(code).toBe('ECONNREFUSED')
    const { status, error } = await supabase.from('dealers').insert(dealer(1))
    expect(status).toBe(0)
    expect(error?.message).toMatch(/fetch failed/)

    await stack.faults.up()
    expect(stack.faults.isDown).toBe(false)
    expect((await supabase.from('dealers').insert(dealer(1))).status).toBe(201)
  })

  it('down and up are idempotent; clear() brings the server up', async () => {
    await stack.faults.down()
    await stack.faults.down()
    await stack.faults.clear()
    expect(stack.faults.isDown).toBe(false)
    await stack.faults.up()
    expect((await rest(stack, 'dealers')).status).toBe(200)
  })

  it('a request in flight when the server goes down gets a network error', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const pending = track(supabase.from('dealers').insert(dealer(1)))
    await hold.arrived
    await stack.faults.down()
    const { status } = await pending.promise
    expect(status).toBe(0)
    hold.release()
    expect(await dealerCount()).toBe(0)
  })
})

describe('clear', () => {
  it('removes pending failures, resets, holds and latency', async () => {
    stack.faults.failNext(5)
    stack.faults.resetNext(5)
    const hold = stack.faults.hold({ count: 5 })
    stack.faults.latency(3_600_000)
    await stack.faults.clear()
    expect((await rest(stack, 'dealers')).status).toBe(200)
    expect(hold.held()).toBe(0)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 0 })
  })

  it('ends a latency in progress: the request waiting out an hour is answered', async () => {
    const hold = stack.faults.hold({ path: 'dealers' })
    stack.faults.latency(3_600_000)
    const pending = track(rest(stack, 'dealers'))
    await hold.arrived
    hold.release()
    // From the hold the request goes into the hour-long latency in microtasks only: one turn of the
    // event loop (not a duration) and it is waiting there.
    await new Promise(setImmediate)
    await stack.faults.clear()
    expect((await pending.promise).status).toBe(200)
  })

  it('a request from before clear() takes no fault set after it', async () => {
    const before = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const old = track(supabase.from('dealers').insert(dealer(1)))
    await before.arrived
    await stack.faults.clear()
    // Set after the clear: meant for the next request, not for the one still in flight.
    stack.faults.failNext(1, 500)
    expect((await old.promise).status).toBe(201)
    expect((await supabase.from('dealers').insert(dealer(2))).status).toBe(500)
  })
})

describe('stats', () => {
  it('counts served requests by method and by resource, faulted ones apart; resetStats starts over', async () => {
    await supabase.from('dealers').insert(dealer(1))
    await supabase.from('dealers').upsert([dealer(1), dealer(2)], { onConflict: 'id' })
    await supabase.from('dealers').select('id')
    await supabase.from('dealers').select('id', { count: 'exact', head: true })
    await supabase.from('dealers').update({ name: 'x' }).eq('id', uuid(1))
    await supabase.from('dealers').delete().eq('id', uuid(2))
    await supabase.rpc('ping')
    await supabase.from('unknown_table').select('*')
    stack.faults.failNext(1, 503)
    await supabase.from('dealers').insert(dealer(3))
    expect(stack.stats()).toEqual({
      total: 8,
      byMethod: { POST: 3, GET: 2, HEAD: 1, PATCH: 1, DELETE: 1 },
      byTable: {
        dealers: { POST: 2, GET: 1, HEAD: 1, PATCH: 1, DELETE: 1 },
        'rpc/ping': { POST: 1 },
        unknown_table: { GET: 1 },
      },
      faulted: 1,
      counts: { dealers: 1 },
    })
    // A snapshot: later requests do not change it.
    const snapshot = stack.stats()
    await supabase.rpc('ping')
    expect(snapshot.total).toBe(8)
    stack.resetStats()
    expect(stack.stats()).toEqual({ total: 0, byMethod: {}, byTable: {}, faulted: 0, counts: {} })
  })
  it('a request in flight across resetStats() is not counted after it', async () => {
    const hold = stack.faults.hold({ path: 'rpc/ping' })
    const old = track(supabase.rpc('ping'))
    await hold.arrived
    stack.resetStats()
    hold.release()
    expect((await old.promise).data).toBe('pong')
    expect(stack.stats().total).toBe(0)
    await supabase.rpc('ping')
    expect(stack.stats().total).toBe(1)
  })
})
