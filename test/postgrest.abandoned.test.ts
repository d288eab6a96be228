/**
 * Requests whose client gives up (an AbortSignal timeout, an abort) before the answer: PostgREST
 * never cancels the request's statement when its client disconnects — it runs it to its end and
 * commits it, and the answer goes nowhere (PostgREST/postgrest issues 699 and 3517, open; 2352
 * reproduces it: a cancelled rpc call's insert is there 5 s later). The stand-in does the same,
 * whether the request waited in a hold, in the latency, or in PostgreSQL itself for a lock, and a
 * write to the closed socket never takes it down. Tests wait for conditions, never for durations.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { LocalStack } from '../dev/stack.js'
import {
  dealer,
  eventually,
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

async function names(): Promise<string[]> {
  const rows = await sql<{ name: string }>(stack, 'select name from dealers order by name')
  return rows.map((r) => r.name)
}

/** The server still answers (it did not crash writing to a closed socket). */
async function stillServing(): Promise<void> {
  const { status, error } = await supabase.from('dealers').select('id').limit(1)
  expect(error).toBeNull()
  expect(status).toBe(200)
}

describe('a client that gives up', () => {
  it('while its request is held: the request is served at release, and its write commits', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST' })
    const controller = new AbortController()
    const insert = track(supabase.from('dealers').insert(dealer(1)).abortSignal(controller.signal))
    await hold.arrived
    controller.abort()
    expect((await insert.promise).error?.message).toMatch(/AbortError/)
    // Still parked: nothing written until release.
    expect(hold.held()).toBe(1)
    expect(await names()).toEqual([])
    hold.release()
    await hold.handled
    expect(await names()).toEqual(['Dealer 1'])
    expect(stack.stats().byTable.dealers).toEqual({ POST: 1 })
    await stillServing()
  })

  it('during the latency: the request is handled when the latency ends', async () => {
    stack.faults.latency(300)
    const { error } = await supabase
      .from('dealers')
      .insert(dealer(2))
      .abortSignal(AbortSignal.timeout(20))
    expect(error?.message).toMatch(/AbortError|TimeoutError/)
    await eventually(async () => (await names()).length === 1, 'the abandoned insert to commit')
    expect(await names()).toEqual(['Dealer 2'])
    stack.faults.latency(0)
    await stillServing()
  })

  it('while its statement waits in PostgreSQL for a lock: it commits once the lock is free', async () => {
    await supabase.from('dealers').insert(dealer(3, { name: 'before' }))
    const holder = new pg.Client({ connectionString: stack.supabaseDbUri })
    await holder.connect()
    try {
      await holder.query('begin')
      await holder.query('select 1 from dealers where id = $1 for update', [uuid(3)])
      const controller = new AbortController()
      const update = track(
        supabase
          .from('dealers')
          .update({ name: 'late' })
          .eq('id', uuid(3))
          .abortSignal(controller.signal),
      )
      // The stand-in's connection waits for the row lock: the request is in the database.
      await eventually(async () => {
        const waiting = await sql(
          stack,
          `select 1 from pg_stat_activity where application_name = 'postgrest-standin' and wait_event_type = 'Lock'`,
        )
        return waiting.length === 1
      }, 'the update to wait for the row lock')
      controller.abort()
      expect((await update.promise).error?.message).toMatch(/AbortError/)
      // The client has gone; the statement is still there, waiting.
      expect(await names()).toEqual(['before'])
      await holder.query('commit')
      await eventually(async () => (await names())[0] === 'late', 'the abandoned update to commit')
    } finally {
      await holder.end()
    }
    await stillServing()
  })

  it('while its response is held after handling: the write stays, the answer goes nowhere', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'POST', afterHandling: true })
    const controller = new AbortController()
    const insert = track(supabase.from('dealers').insert(dealer(4)).abortSignal(controller.signal))
    await hold.arrived
    controller.abort()
    expect((await insert.promise).error?.message).toMatch(/AbortError/)
    hold.release()
    expect(await names()).toEqual(['Dealer 4'])
    await stillServing()
  })
})
