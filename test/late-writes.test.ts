/**
 * A write that outlives its request: the plugin gave up waiting (a timeout) while the call sat in a
 * queue on the way, and delivered the document again since. The call carries a deadline (sql/002's
 * not_after) in Supabase's clock; past it, it changes nothing — else a late upsert would bring back
 * the row of a document deleted meanwhile, where no newer row is left for the stale-write guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { Payload } from 'payload'
import { dealerMapper } from '../src/index.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import type { Row } from '../src/mapping/types.js'
import { Deadlines } from '../src/supabase/deadline.js'
import {
  dealerData,
  eventually,
  runSql,
  settled,
  startApp,
  startPayload,
  type TestApp,
} from './support/app.js'

describe('Deadlines', () => {
  it('puts the deadline before the end of our wait, in Supabase’s clock as the answers show it', () => {
    const d = new Deadlines(4000, () => {})
    expect(d.notAfter(10_000)).toBe(10_000 + 4000 - 1000)
    // Supabase's clock 5 s ahead: an answer sent at 20,000 and back at 20,040 read 25,020.
    d.observe(25_020, 20_000, 20_040)
    expect(d.estimatedSkewMs).toBe(5000)
    expect(d.notAfter(30_000)).toBe(30_000 + 5000 + 3000)
    // A slow answer (a queue on the way) says little: ignored.
    d.observe(90_000, 40_000, 42_000)
    expect(d.estimatedSkewMs).toBe(5000)
  })

  it('a refusal while we still wait corrects the estimate; an older function takes none, said once', () => {
    let told = 0
    const d = new Deadlines(4000, () => told++)
    d.refused(
      'supabase_sync_apply: arrived after its deadline (its clock 70020, deadline 63000): …',
      60_000,
      60_040,
    )
    // Its clock was read before the answer came back: the skew is at least 70,020 − 60,040.
    expect(d.estimatedSkewMs).toBe(9_980)
    // A refusal that sat in a queue (2 s on the way) proves no more than its own lower bound.
    d.refused('… ran past its deadline (its clock 75000, deadline 74000): …', 63_000, 65_000)
    expect(d.estimatedSkewMs).toBe(10_000)
    d.refused('… (its clock 80000, deadline 79000): …', 75_000, 78_000)
    expect(d.estimatedSkewMs).toBe(10_000)
    d.unsupported(100_000, 600_000)
    d.unsupported(100_001, 600_000)
    expect(d.notAfter(100_002)).toBeNull()
    expect(told).toBe(1)
    // Ten minutes on, a call tries the deadline again (the function may have been upgraded, or
    // PostgREST's schema cache lacked it for a moment); refused again, it is not told again.
    expect(d.notAfter(700_001)).not.toBeNull()
    d.unsupported(700_001, 600_000)
    expect(d.notAfter(700_002)).toBeNull()
    expect(told).toBe(1)
  })
})

let app: TestApp
beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      timeoutMs: 400,
      retry: { retries: 0 },
      queue: { backoff: 20, maxBackoff: 100, sweepInterval: 100 },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

async function jobsOf(id: string): Promise<number> {
  const { totalDocs } = await app.payload.count({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
  })
  return totalDocs
}

/** 20 dealers in Payload whose rows are gone from Supabase, and their rows as the mapper makes them. */
async function missingRows() {
  const docs = []
  for (let i = 0; i < 20; i++)
    docs.push(await app.payload.create({ collection: 'dealers', data: dealerData() }))
  await settled(app)
  const ids = docs.map((d) => String(d.id))
  await app.supabase.query('delete from public.dealers where id::text = any($1::text[])', [ids])
  return { ids, rows: docs.map((d) => dealerMapper.toRow(d as never)!) }
}

/** These rows written in one apply of the plugin's target, without a delivery's version. */
function applyRows(rows: Row[], payload: Payload = app.payload) {
  const runtime = getRuntime(payload)
  return runtime.target.apply(
    syncedCollection(runtime).spec,
    { upserts: rows, deletes: [], version: null },
    500,
  )
}

describe('a batch slower than the plugin waits', () => {
  it('is split until its parts finish in time (tried whole, its deadline would roll it back for ever)', async () => {
    const { ids, rows } = await missingRows()
    // A trigger that takes 30 ms a row: 20 rows take 600 ms, past the 400 ms the plugin waits.
    await runSql(
      app.stack.supabaseDbUri,
      `create function public.slow_rows() returns trigger language plpgsql as $$
       begin perform pg_sleep(0.03 * (select count(*) from new_rows)); return null; end $$;
       create trigger slow_rows after insert on public.dealers referencing new table as new_rows
         for each statement execute function public.slow_rows();`,
    )
    try {
      const outcome = await applyRows(rows)
      expect([...outcome.failed.values()].map((e) => e.message)).toEqual([])
      expect(outcome.written.sort()).toEqual([...ids].sort())
      const present = await app.rows()
      for (const id of ids) expect(present.has(id)).toBe(true)
    } finally {
      await runSql(
        app.stack.supabaseDbUri,
        'drop trigger slow_rows on public.dealers; drop function public.slow_rows()',
      )
    }
  })

  it('is not split when Supabase answers nothing in time (an outage is waited out whole)', async () => {
    const { rows } = await missingRows()
    app.stack.faults.latency(1_000)
    try {
      const outcome = await applyRows(rows)
      expect(outcome.failed.size).toBe(20)
      expect([...outcome.failed.values()].every((e) => e.kind === 'transient')).toBe(true)
      // The call, and its first row alone, unanswered too: no halves.
      expect(outcome.requests).toBe(2)
    } finally {
      app.stack.faults.latency(0)
    }
  })
})

describe('a table whose writes wait for a lock (an index being built) while reads pass', () => {
  it('answers at the deadline (lock_timeout from it): the batch waits whole, not split', async () => {
    // The plugin's own margin between the deadline and the end of its wait (a quarter of timeoutMs,
    // at most 1 s): at this file's 400 ms, 100 ms — an answer that late on a loaded machine was no
    // answer, and the batch was split. An instance with a wait as in production has the full second.
    const { payload } = await startPayload(app.stack, {
      sync: { syncOnInit: false, timeoutMs: 4_000, retry: { retries: 0 } },
    })
    const { rows } = await missingRows()
    const holder = new pg.Client({ connectionString: app.stack.supabaseDbUri })
    await holder.connect()
    await holder.query('begin; lock table public.dealers in share mode')
    try {
      const outcome = await applyRows(rows, payload)
      expect(outcome.failed.size).toBe(20)
      const errors = [...outcome.failed.values()]
      expect(errors.every((e) => e.kind === 'transient' && e.code === '55P03')).toBe(true)
      expect(outcome.requests).toBe(1)
    } finally {
      await holder.query('rollback')
      await holder.end()
      await payload.destroy()
    }
  })
})

describe('a write that outlives its request', () => {
  it('does not bring back the row of a document deleted meanwhile', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    const id = String(doc.id)
    expect((await app.rows()).has(id)).toBe(true)
    // The rename's call reaches Supabase and waits in a queue there; the plugin gives up on it.
    const late = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply' })
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'late rename' } })
    await late.arrived
    // The document is deleted; its delivery deletes the row and completes every job of it.
    await app.payload.delete({ collection: 'dealers', id: doc.id })
    await eventually(async () => {
      expect((await app.rows()).has(id)).toBe(false)
      expect(await jobsOf(id)).toBe(0)
    })
    // Now the queued call runs: past its deadline, it changes nothing.
    late.release()
    await late.handled
    expect((await app.rows()).has(id)).toBe(false)
  })

  it('with an apply function older than the plugin (no deadline): writes go on without, said once', async () => {
    await runSql(
      app.stack.supabaseDbUri,
      `alter function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) rename to supabase_sync_apply_new;
       create function public.supabase_sync_apply(target_table text, upserts jsonb default '[]', deletes jsonb default '[]',
         key_column text default 'id', version_column text default 'sync_version', delete_version bigint default null)
       returns jsonb language sql as $$ select public.supabase_sync_apply_new(target_table, upserts, deletes, key_column, version_column, delete_version, null) $$;
       grant execute on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint) to service_role`,
    )
    try {
      app.logs.clear()
      const one = await app.payload.create({ collection: 'dealers', data: dealerData() })
      const two = await app.payload.create({ collection: 'dealers', data: dealerData() })
      await eventually(async () => {
        const rows = await app.rows()
        expect(rows.has(String(one.id)) && rows.has(String(two.id))).toBe(true)
      })
      expect(app.logs.find((l) => /takes no deadline/.test(String(l.msg)))).toHaveLength(1)
    } finally {
      await runSql(
        app.stack.supabaseDbUri,
        `drop function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint);
         alter function public.supabase_sync_apply_new(text, jsonb, jsonb, text, text, bigint, timestamptz) rename to supabase_sync_apply`,
      )
    }
  })
})
