/**
 * Several app processes on one database, and a process killed mid-delivery: the per-document locks
 * die with a process's connection, so nothing waits for a timer, and no two processes ever deliver one
 * document at once — Supabase never receives a state of a document older than one it already has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { diffRows } from '../src/index.js'
import { startChild, type ChildApp } from './support/children.js'
import { dealerData, eventually, payloadRows, startApp, type TestApp } from './support/app.js'

let app: TestApp
let payloadDb: pg.Pool
const children: ChildApp[] = []

beforeAll(async () => {
  // This process only looks: it never delivers.
  app = await startApp({
    sync: { syncOnInit: false, queue: { runAfterCommit: false, sweepInterval: false } },
  })
  payloadDb = new pg.Pool({ connectionString: app.stack.databaseUri, max: 2 })
  payloadDb.on('error', () => {})
})
afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()))
  await payloadDb?.end()
  await app?.close()
})

async function syncJobs(): Promise<number> {
  const { totalDocs } = await app.payload.count({
    collection: 'payload-jobs',
    where: { taskSlug: { equals: 'supabase-sync' } },
    overrideAccess: true,
  })
  return totalDocs
}

describe('a process killed while its deliveries are in flight', () => {
  it('leaves nothing blocked: a fresh process delivers every pending change within 10 s', async () => {
    const first = await startChild(app.stack, { syncOnInit: false })
    children.push(first)
    const hold = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => first.send('create', { data: dealerData() })),
    )
    await hold.arrived
    await first.kill('SIGKILL')
    hold.release()
    expect(await syncJobs()).toBeGreaterThan(0)

    const fresh = await startChild(app.stack, { syncOnInit: false })
    children.push(fresh)
    await eventually(
      async () => {
        const rows = await app.rows()
        for (const id of ids) expect(rows.has(id)).toBe(true)
        expect(await syncJobs()).toBe(0)
      },
      10_000,
      50,
    )
    await fresh.kill()
  }, 60_000)
})

/** A deterministic PRNG (mulberry32), so that a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('three app processes on one database', () => {
  it('1,000 random saves at 20 ms latency converge within 5 s of the last, and no row ever goes backwards', async () => {
    const seed = Number(process.env.PROCESSES_SEED ?? 20261126)
    const random = prng(seed)
    app.stack.faults.latency(20)
    const apps = [
      await startChild(app.stack),
      await startChild(app.stack),
      await startChild(app.stack),
    ]
    children.push(...apps)
    // (After the children started: Payload's schema push in development drops tables it does not know.)
    // Commit order per document, from Payload's side: saves of one row take its lock, so a row
    // trigger fires in commit order (a rolled-back save takes its history row with it).
    await payloadDb.query(
      `create table if not exists public.save_history (seq bigserial primary key, id uuid not null, name text not null)`,
    )
    await payloadDb.query(
      `create or replace function record_save() returns trigger language plpgsql as $$ begin insert into public.save_history (id, name) values (new.id, new.name); return new; end $$`,
    )
    await payloadDb.query(
      `create or replace trigger record_save after insert or update on dealers for each row execute function record_save()`,
    )
    // What Supabase received, in the order it applied it (a write the guard refused changes nothing).
    await app.supabase.query(
      `create table if not exists public.received (seq bigserial primary key, id uuid not null, name text not null)`,
    )
    await app.supabase.query(
      `create or replace function public.record_received() returns trigger language plpgsql as $$ begin insert into public.received (id, name) values (new.id, new.name); return new; end $$`,
    )
    await app.supabase.query(
      `create or replace trigger record_received after insert or update on public.dealers for each row execute function public.record_received()`,
    )

    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) => apps[i % 3].send('create', { data: dealerData() })),
    )

    let next = 0
    const saves = 1_000
    const worker = async () => {
      for (let i = next++; i < saves; i = next++) {
        const target = apps[Math.floor(random() * apps.length)]
        const id = ids[Math.floor(random() * ids.length)]
        const data =
          random() < 0.5
            ? { name: `s${i}` }
            : { name: `s${i}`, homenet_config: { rooftop_id: `R${i}` } }
        await target.send('update', { id, data })
      }
    }
    await Promise.all(Array.from({ length: 12 }, worker))
    const lastSave = Date.now()
    await eventually(
      async () => {
        expect(diffRows(await payloadRows(app.payload), await app.rows())).toMatchObject({
          missing: [],
          extra: [],
          changed: [],
        })
      },
      5_000,
      25,
    )
    const convergedMs = Date.now() - lastSave
    process.stdout.write(
      `three processes, ${saves} saves, seed ${seed}: converged ${convergedMs} ms after the last save\n`,
    )
    app.stack.faults.latency(0)

    const committed = new Map<string, Map<string, number>>()
    for (const row of (
      await payloadDb.query<{ id: string; name: string }>(
        'select id::text as id, name from public.save_history order by seq',
      )
    ).rows) {
      const order = committed.get(row.id) ?? new Map<string, number>()
      order.set(row.name, order.size)
      committed.set(row.id, order)
    }
    const received = (
      await app.supabase.query<{ id: string; name: string }>(
        'select id::text as id, name from public.received order by seq',
      )
    ).rows
    expect(received.length).toBeGreaterThan(ids.length)
    const last = new Map<string, number>()
    for (const { id, name } of received) {
      const position = committed.get(id)?.get(name)
      // Every state Supabase received was committed in Payload, and none came after a newer one.
      expect(position, `${id}: received "${name}", never committed`).toBeDefined()
      expect(position!, `${id}: received "${name}" after a newer state`).toBeGreaterThanOrEqual(
        last.get(id) ?? -1,
      )
      last.set(id, position!)
    }
    await Promise.all(apps.map((a) => a.kill()))
  }, 180_000)
})
