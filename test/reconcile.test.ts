/**
 * The startup reconcile on 2,500+ dealers: it repairs missing, changed and orphan rows; the guard stops
 * a mass delete; one bad dealer does not block its batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Payload } from 'payload'
import { CancelledError, diffRows, whenIdle } from '../src/index.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import pg from 'pg'
import { documentKey } from '../src/queue/keys.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { lockNamespace } from '../src/queue/locks.js'
import {
  eventually,
  reconcileNow,
  silencePools,
  startPayload,
  payloadRows as sharedPayloadRows,
  type LogCapture,
} from './support/app.js'
import { createDealers } from './support/seed.js'

const COUNT = 2600
let stack: LocalStack
let payload: Payload
let logs: LogCapture
let supabase: pg.Pool

async function supabaseRows() {
  const { rows } = await supabase.query('select to_jsonb(t) as row from public.dealers t')
  return new Map(rows.map((r: { row: Record<string, unknown> }) => [String(r.row.id), r.row]))
}

const payloadRows = () => sharedPayloadRows(payload)

async function restart(sync: Record<string, unknown> = {}) {
  await payload.destroy()
  ;({ payload, logs } = await startPayload(stack, { sync: { syncOnInit: true, ...sync } }))
  await whenIdle(payload)
}

beforeAll(async () => {
  stack = await startLocalStack()
  supabase = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 4 })
  supabase.on('error', () => {})
  ;({ payload, logs } = await startPayload(stack, { sync: { syncOnInit: false } }))
  // Seed without the hooks: Supabase starts empty, as for a project adopting the plugin.
  await createDealers(payload, COUNT, 'seed')
}, 300_000)

afterAll(async () => {
  await payload?.destroy().catch(() => {})
  await supabase?.end()
  silencePools()
  await stack?.stop()
})

describe('startup reconcile', () => {
  it('fills an empty table with every dealer (no 1,000 cap), in batches', async () => {
    stack.resetStats()
    await restart()
    const [want, have] = await Promise.all([payloadRows(), supabaseRows()])
    expect(want.size).toBe(COUNT)
    const diff = diffRows(want, have)
    expect(diff).toMatchObject({ missing: [], extra: [], changed: [], unchanged: COUNT })
    const summary = logs.find((l) => l.op === 'reconcile' && l.msg === 'dealers: reconcile done')[0]
    expect(summary).toMatchObject({ scanned: COUNT, upserted: COUNT, deleted: 0, failed: 0 })
    // 2,600 rows in batches of 500: 6 writes, not 2,600.
    const writes = stack.stats().byTable['rpc/supabase_sync_apply']?.POST ?? 0
    expect(writes).toBe(6)
  })

  it('repairs missing, changed and orphan rows at the next startup', async () => {
    const ids = [...(await payloadRows()).keys()].sort()
    const missing = ids.slice(0, 100)
    const changed = ids.slice(100, 200)
    await supabase.query('delete from public.dealers where id = any($1::uuid[])', [missing])
    await supabase.query(
      `update public.dealers set name = name || ' (edited in Supabase)', api_config = jsonb_set(api_config, '{platforms}', '["custom"]') where id = any($1::uuid[])`,
      [changed],
    )
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at) select gen_random_uuid(), 'orphan', 'orphan-' || g, now() from generate_series(1, 50) g`,
    )
    await restart()
    const summary = logs.find((l) => l.msg === 'dealers: reconcile done')[0]
    expect(summary).toMatchObject({
      missing: 100,
      changed: 100,
      extra: 50,
      upserted: 200,
      deleted: 50,
      unchanged: COUNT - 200,
    })
    const diff = diffRows(await payloadRows(), await supabaseRows())
    expect(diff).toMatchObject({ missing: [], extra: [], changed: [] })
  })

  it('an in-sync table gets no write', async () => {
    stack.resetStats()
    await restart()
    const stats = stack.stats()
    expect(stats.byTable['rpc/supabase_sync_apply']).toBeUndefined()
    expect(stats.byMethod.DELETE ?? 0).toBe(0)
  })

  it('the mass-delete guard refuses to delete more than half of the table, and force overrides it', async () => {
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at) select gen_random_uuid(), 'orphan', 'mass-orphan-' || g, now() from generate_series(1, ${COUNT + 10}) g`,
    )
    await restart()
    const refused = logs.find(
      (l) => typeof l.msg === 'string' && l.msg.includes('refusing to delete'),
    )
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatchObject({ wouldDelete: COUNT + 10, tableRows: 2 * COUNT + 10 })
    expect((await supabaseRows()).size).toBe(2 * COUNT + 10)

    const summary = await reconcileNow(payload, 'dealers', { force: true })
    expect(summary.deleted).toBe(COUNT + 10)
    expect((await supabaseRows()).size).toBe(COUNT)
  })

  it('one bad dealer does not block its batch: the others are written, the bad one is named', async () => {
    await supabase.query(
      `alter table public.dealers add constraint no_bad_names check (name not like 'BAD%')`,
    )
    try {
      await reconcileNow(payload, 'dealers', { force: true })
      const ids = [...(await payloadRows()).keys()].sort()
      const bad = ids[7]
      await payload.update({
        collection: 'dealers',
        id: bad,
        data: { name: 'BAD dealer' },
        context: { skipSupabaseSync: true },
      })
      for (const id of ids.slice(0, 20))
        await supabase.query('delete from public.dealers where id = $1', [id])
      const summary = await reconcileNow(payload)
      expect(summary.diff.changed).toEqual([])
      expect(summary.upserted).toBe(19)
      expect(summary.failed).toHaveLength(1)
      expect(summary.failed[0].id).toBe(bad)
      expect(summary.failed[0].message).toContain(bad)
      expect(summary.failed[0].code).toBe('23514')
      const rows = await supabaseRows()
      for (const id of ids.slice(0, 20)) expect(rows.has(id)).toBe(id !== bad)
      const logged = logs.find((l) => l.id === bad && l.outcome === 'failed')
      expect(logged.length).toBeGreaterThan(0)
      await payload.update({
        collection: 'dealers',
        id: bad,
        data: { name: 'Good again' },
        context: { skipSupabaseSync: true },
      })
    } finally {
      await supabase.query('alter table public.dealers drop constraint no_bad_names')
    }
  })
})

describe('documents held by another delivery while their page is reconciled', () => {
  /** Holds a document's delivery lock from outside, as another delivery (or a lock-key twin) would. */
  async function holdLock(id: string) {
    const client = new pg.Client({ connectionString: stack.databaseUri })
    await client.connect()
    await client.query('select pg_advisory_lock($1, hashtext($2))', [
      lockNamespace,
      documentKey('dealers', id),
    ])
    return {
      release: async () => {
        await client.query('select pg_advisory_unlock_all()')
        await client.end()
      },
    }
  }

  /** Lets the lock go; the document's job then delivers it, and is done. */
  async function deliveredOnceReleased(lock: { release(): Promise<void> }, id: string) {
    await lock.release()
    await eventually(async () => {
      expect((await supabaseRows()).has(id)).toBe(true)
      expect(await jobsFor(id)).toBe(0)
    }, 20_000)
  }

  async function jobsFor(id: string) {
    const { totalDocs } = await payload.count({
      collection: 'payload-jobs',
      where: { 'input.id': { equals: id } },
      overrideAccess: true,
    })
    return totalDocs
  }

  it('held only while its page is delivered: written by the reconcile itself, no job', async () => {
    await reconcileNow(payload, 'dealers', { force: true })
    const id = [...(await payloadRows()).keys()].sort()[0]
    await supabase.query('delete from public.dealers where id = $1', [id])
    const pages = Math.ceil((await payload.count({ collection: 'dealers' })).totalDocs / 1000)
    const lock = await holdLock(id)
    // Every page is done when the reconcile reads the rows past the last document: the lock is let
    // go while that read is held, before the reconcile looks at what it found busy.
    let ended = 0
    let tail: ReturnType<typeof stack.faults.hold> | undefined
    let tailArrived!: () => void
    const tailHeld = new Promise<void>((resolve) => (tailArrived = resolve))
    const running = reconcileNow(payload, 'dealers', {
      onPage: (event) => {
        if (event !== 'end' || ++ended < pages) return
        tail = stack.faults.hold({ path: 'dealers', method: 'GET' })
        void tail.arrived.then(tailArrived)
      },
    })
    const first = await Promise.race([
      tailHeld.then(() => 'tail held' as const),
      running.then(() => 'reconcile ended' as const),
    ])
    expect(first).toBe('tail held')
    await lock.release()
    tail!.release()
    const summary = await running
    expect(summary.queued).toBe(0)
    expect(summary.diff.missing).toEqual([id])
    expect(summary.upserted).toBe(1)
    expect((await supabaseRows()).has(id)).toBe(true)
    expect(await jobsFor(id)).toBe(0)
  })

  it('still held at the end: a job is queued, and delivers once the lock is let go', async () => {
    // No sweep: the job is delivered because the reconcile tells the runner, not because a timer came.
    await restart({ syncOnInit: false, queue: { sweepInterval: false } })
    const id = [...(await payloadRows()).keys()].sort()[1]
    await supabase.query('delete from public.dealers where id = $1', [id])
    const lock = await holdLock(id)
    const summary = await reconcileNow(payload, 'dealers', {})
    expect(summary.queued).toBe(1)
    expect(summary.upserted).toBe(0)
    expect((await supabaseRows()).has(id)).toBe(false)
    expect(await jobsFor(id)).toBe(1)
    await deliveredOnceReleased(lock, id)
  })

  it('held when a cancelled run stops: a job is queued for it before the run ends', async () => {
    const id = [...(await payloadRows()).keys()].sort()[2]
    await supabase.query('delete from public.dealers where id = $1', [id])
    const lock = await holdLock(id)
    // Cancelled as its first page starts: that page (which holds the document) is done, no other starts.
    const stop = new AbortController()
    const run = reconcileNow(payload, 'dealers', {
      signal: stop.signal,
      onPage: (event) => event === 'start' && stop.abort(),
    })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(await jobsFor(id)).toBe(1)
    await deliveredOnceReleased(lock, id)
  })
})

describe('a read that fails', () => {
  it('is no difference: the documents of a page whose rows could not be read are failed, not missing', async () => {
    await reconcileNow(payload, 'dealers', { force: true })
    // A 400 on the first read of rows (the first page's range): tried no further.
    stack.faults.failNext(1, 400, { path: 'dealers' })
    const summary = await reconcileNow(payload, 'dealers', {})
    await stack.faults.clear()
    expect(summary.failed.length).toBeGreaterThan(0)
    expect(summary.differences).toEqual({ missing: 0, changed: 0, extra: 0 })
    expect(summary.diff.missing).toEqual([])
  })
})

describe('a page whose documents are all held elsewhere', () => {
  it('still has the rows without documents in its key range found and deleted', async () => {
    await reconcileNow(payload, 'dealers', { force: true })
    // Sorts before every document: in the first page's range, which has no lower bound.
    const orphan = '00000000-0000-4000-8000-000000000000'
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values ($1, 'no document', 'no-document-first', now())`,
      [orphan],
    )
    const first = [...(await payloadRows()).keys()].sort().slice(0, 1000)
    const holder = new pg.Client({ connectionString: stack.databaseUri })
    await holder.connect()
    try {
      await holder.query('select pg_advisory_lock($1, hashtext(k)) from unnest($2::text[]) k', [
        lockNamespace,
        first.map((id) => documentKey('dealers', id)),
      ])
      const summary = await reconcileNow(payload, 'dealers', { force: true })
      expect(summary.queued).toBe(1000)
      expect(summary.differences.extra).toBe(1)
      expect(summary.deleted).toBe(1)
      expect((await supabaseRows()).has(orphan)).toBe(false)
    } finally {
      await holder.query('select pg_advisory_unlock_all()')
      await holder.end()
    }
    await whenIdle(payload)
  }, 60_000)
})

describe('a page that fails', () => {
  it('ends the run only once the pages in flight are done', async () => {
    const delivery = getRuntime(payload).delivery
    const deliver = delivery.deliver.bind(delivery)
    // The first page fails (as a failed read of Payload's database would) once the second page's
    // read of Supabase is held.
    const hold = stack.faults.hold({ path: 'dealers', method: 'GET' })
    let calls = 0
    delivery.deliver = async (collection, ids, options) => {
      if (++calls > 1) return deliver(collection, ids, options)
      await hold.arrived
      throw new Error('page 1 failed')
    }
    let ended = 0
    let endedWhenItFailed = -1
    try {
      const run = reconcileNow(payload, 'dealers', {
        onPage: (event) => event === 'end' && ended++,
      }).catch((error: unknown) => {
        endedWhenItFailed = ended
        return error
      })
      await hold.arrived
      // A few turns of the event loop: the failure has reached the run by then.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      hold.release()
      expect(String(await run)).toMatch(/page 1 failed/)
      expect(endedWhenItFailed).toBeGreaterThan(0)
    } finally {
      delivery.deliver = deliver
    }
  })
})

describe('a cancel after the last page went out', () => {
  it('stops the run before it deletes the rows without documents', async () => {
    await reconcileNow(payload, 'dealers', { force: true })
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at)
         select gen_random_uuid(), 'no document', 'no-document-' || g, now() from generate_series(1, 50) g`,
    )
    const before = (await supabaseRows()).size
    const pages = Math.ceil((await payload.count({ collection: 'dealers' })).totalDocs / 1000)
    let started = 0
    const stop = new AbortController()
    const run = reconcileNow(payload, 'dealers', {
      force: true,
      signal: stop.signal,
      onPage: (event) => event === 'start' && ++started === pages && stop.abort(),
    })
    const error = await run.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).progress).toMatchObject({ deleted: 0 })
    expect((await supabaseRows()).size).toBe(before)
    // Not cancelled, the same run deletes them.
    const summary = await reconcileNow(payload, 'dealers', { force: true })
    expect(summary.deleted).toBe(50)
  })
})
