/**
 * Fault injection and request statistics of the stand-in, as a client sees them through supabase-js
 * and raw fetch.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { dealer, rest, sql, supabaseClient, uuid } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

beforeAll(async () => {
  stack = await startLocalStack()
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
    expect(error).toEqual({ code: 'PGRST000', details: null, hint: null, message: 'Database connection error.' })
    expect(await dealerCount()).toBe(0)
    const again = await supabase.from('dealers').insert(dealer(1))
    expect(again.status).toBe(201)
    expect(stack.stats()).toMatchObject({ total: 1, faulted: 1 })
  })

  it('fails exactly `count` requests', async () => {
    stack.faults.failNext(2, 500, { code: '40001', message: 'could not serialize access due to concurrent update' })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await supabase.from('dealers').insert(dealer(i))).status)
    expect(statuses).toEqual([500, 500, 201])
    const first = await rest(stack, 'dealers')
    expect(first.status).toBe(200)
  })

  it('429 carries Retry-After (1 s unless told otherwise)', async () => {
    stack.faults.failNext(1, 429, { retryAfter: 7 })
    const res = await rest(stack, 'dealers', { method: 'POST', body: dealer(1) })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(res.json).toEqual({ code: '429', details: null, hint: null, message: 'Too Many Requests' })
    stack.faults.failNext(1, 429)
    expect((await rest(stack, 'dealers')).headers.get('retry-after')).toBe('1')
  })

  it('custom code and message, e.g. a 500 with SQLSTATE 57P01', async () => {
    stack.faults.failNext(1, 503, { code: '57P01', message: 'terminating connection due to administrator command' })
    const { status, error } = await supabase.from('dealers').upsert(dealer(1), { onConflict: 'id' })
    expect(status).toBe(503)
    expect(error).toMatchObject({ code: '57P01', message: 'terminating connection due to administrator command' })
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
  it('delays every response by ms, or by a random time in [min, max]; 0 turns it off', async () => {
    stack.faults.latency(300)
    let start = performance.now()
    await supabase.from('dealers').select('id')
    expect(performance.now() - start).toBeGreaterThanOrEqual(290)

    stack.faults.latency([100, 150])
    start = performance.now()
    await rest(stack, 'dealers')
    const elapsed = performance.now() - start
    expect(elapsed).toBeGreaterThanOrEqual(95)

    stack.faults.latency(0)
    start = performance.now()
    await rest(stack, 'dealers')
    expect(performance.now() - start).toBeLessThan(250)
  })

  it('a client timeout fires while the server is slow', async () => {
    stack.faults.latency(1000)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const { error } = await supabase.from('dealers').select('id').abortSignal(controller.signal)
    expect(error?.message).toMatch(/AbortError/)
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
    expect((await supabase.from('dealers').upsert(dealer(1), { onConflict: 'id' })).status).toBe(200)
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
    const code = await networkErrorCode(() => fetch(`${stack.supabaseUrl}/rest/v1/dealers`, { headers: { apikey: stack.serviceRoleKey } }))
    expect(code).toMatch(/UND_ERR_SOCKET|ECONNRESET/)
  })
})

describe('down / up', () => {
  it('down refuses connections (ECONNREFUSED), up serves again on the same URL', async () => {
    // A kept-alive connection must not survive down().
    expect((await rest(stack, 'dealers')).status).toBe(200)
    await stack.faults.down()
    expect(stack.faults.isDown).toBe(true)
    const code = await networkErrorCode(() => fetch(`${stack.supabaseUrl}/rest/v1/dealers`, { headers: { apikey: stack.serviceRoleKey } }))
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
    stack.faults.latency(500)
    const pending = supabase.from('dealers').insert(dealer(1))
    await new Promise((resolve) => setTimeout(resolve, 100))
    await stack.faults.down()
    const { status } = await pending
    expect(status).toBe(0)
  })
})

describe('clear', () => {
  it('removes pending failures, resets and latency', async () => {
    stack.faults.failNext(5)
    stack.faults.resetNext(5)
    stack.faults.latency(2000)
    await stack.faults.clear()
    const start = performance.now()
    expect((await rest(stack, 'dealers')).status).toBe(200)
    expect(performance.now() - start).toBeLessThan(1000)
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
    })
    // A snapshot: later requests do not change it.
    const snapshot = stack.stats()
    await supabase.rpc('ping')
    expect(snapshot.total).toBe(8)
    stack.resetStats()
    expect(stack.stats()).toEqual({ total: 0, byMethod: {}, byTable: {}, faulted: 0 })
  })
})
