/**
 * Large tables in bounded memory: the reconcile holds a few pages, never the table; long runs report
 * progress and stop cleanly between pages when cancelled (nothing half-written, the Sync events say
 * how far they got); the endpoints run them in the background with a run id to poll.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleEndpoints } from 'payload'
import { CancelledError, syncDocuments, validateSync } from '../src/index.js'
import type { RunProgress } from '../src/reconcile/progress.js'
import { documentIdsQuery, existingIdsQuery } from '../src/document-ids.js'
import { expectedRows } from '../src/documents.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { listedIds } from '../src/reconcile/diff.js'
import { eventually, reconcileNow, startApp, type TestApp } from './support/app.js'
import { seedDealersSql } from './support/seed.js'

const COUNT = 5_500
let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
  await seedDealersSql(app.stack.databaseUri, COUNT)
}, 120_000)
afterAll(async () => {
  await app?.close()
})

/** A statement on Payload's database, outside Payload (as another process would). */
async function payloadSql(text: string): Promise<unknown[]> {
  const db = new pg.Client({ connectionString: app.stack.databaseUri })
  await db.connect()
  try {
    return (await db.query(text)).rows
  } finally {
    await db.end()
  }
}

async function events(action: string) {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: action } },
    sort: '-createdAt',
    limit: 5,
    depth: 0,
  })
  return docs as unknown as { outcome: string; details: Record<string, number> }[]
}

describe('bounded memory', () => {
  it('a reconcile of a table several times the page size never holds more than three pages', async () => {
    let held = 0
    let most = 0
    const summary = await reconcileNow(app.payload, 'dealers', {
      onPage: (event) => {
        held += event === 'start' ? 1 : -1
        most = Math.max(most, held)
      },
    })
    expect(summary.scanned).toBe(COUNT)
    expect(summary.upserted).toBe(COUNT)
    expect(most).toBeGreaterThan(0)
    expect(most).toBeLessThanOrEqual(3)
    expect(held).toBe(0)
    // Every document was missing: counted, but only the first thousand ids are listed (the summary
    // is kept as the last reconcile and recorded in a Sync event).
    expect(summary.differences).toEqual({ missing: COUNT, changed: 0, extra: 0 })
    expect(summary.diff.missing).toHaveLength(listedIds)
    expect(new Set(summary.diff.missing).size).toBe(listedIds)
  }, 120_000)

  it("rows without documents in a page's key range are kept as ids, not rows: a page compares its own rows only", async () => {
    // They sort before every document: the first page's range (no lower bound) holds them all.
    const ORPHANS = 5_000
    await reconcileNow(app.payload, 'dealers', { force: true })
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at)
         select ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'orphan', 'first-orphan-' || g, now()
           from generate_series(1, ${ORPHANS}) g`,
    )
    const delivery = getRuntime(app.payload).delivery
    const deliver = delivery.deliver.bind(delivery)
    let largest = 0
    delivery.deliver = (collection, ids, options = {}) =>
      deliver(collection, ids, {
        ...options,
        compare: options.compare
          ? async (locked) => {
              const rows = await options.compare!(locked)
              largest = Math.max(largest, rows.size)
              return rows
            }
          : undefined,
      })
    try {
      const summary = await reconcileNow(app.payload, 'dealers', { force: true })
      expect(summary.differences.extra).toBe(ORPHANS)
      expect(summary.deleted).toBe(ORPHANS)
      expect(largest).toBeGreaterThan(0)
      expect(largest).toBeLessThanOrEqual(1_000)
    } finally {
      delivery.deliver = deliver
      await app.supabase.query(`delete from public.dealers where name = 'orphan'`)
    }
  }, 120_000)

  it('a sync that finds the whole table missing records a Sync event with the counts and the first ids only', async () => {
    await app.supabase.query('truncate public.dealers')
    const result = await syncDocuments(app.payload)
    expect(result.differences).toEqual({ missing: COUNT, changed: 0, extra: 0 })
    const [event] = (await events('sync')) as unknown as {
      ids: string[]
      details: { differences: unknown }
    }[]
    expect(event.ids).toHaveLength(listedIds)
    expect(event.details.differences).toEqual({ missing: COUNT, changed: 0, extra: 0 })
  }, 120_000)

  it('a sync in which every document fails returns every failure, and records the count and the first failures only', async () => {
    const dealers = await payloadSql("update dealers set name = '' returning id")
    try {
      const result = await syncDocuments(app.payload)
      expect(result.failed).toHaveLength(COUNT)
      expect(result.failed[0].message).toMatch(/field "name" is invalid/)
      const [event] = (await events('sync')) as unknown as {
        summary: string
        details: { failed: unknown[] }
      }[]
      expect(event.summary).toContain(`${COUNT} failed`)
      expect(event.details.failed).toHaveLength(listedIds)
    } finally {
      await payloadSql("update dealers set name = 'Dealer ' || substring(slug from 8)")
      expect(dealers.length).toBe(COUNT)
    }
    await syncDocuments(app.payload)
  }, 120_000)

  it('a check that finds the whole table missing returns every id, and records the first ids only', async () => {
    await app.supabase.query('truncate public.dealers')
    const result = await validateSync(app.payload)
    expect(result.missing).toHaveLength(COUNT)
    const [event] = await events('validate')
    const recorded = event as unknown as { ids: string[]; details: { missing: string[] } }
    expect(recorded.ids).toHaveLength(listedIds)
    expect(recorded.details.missing).toEqual(result.missing.slice(0, listedIds))
    await syncDocuments(app.payload)
  }, 120_000)
})

describe('reading the documents by key range', () => {
  it('each page of ids can be an index range: PostgreSQL reads the page, not the rest of the table', async () => {
    const runtime = getRuntime(app.payload)
    const table = runtime.db.table('dealers')
    const ids = (await payloadSql('select id::text as id from dealers order by id')) as {
      id: string
    }[]
    const db = new pg.Client({ connectionString: app.stack.databaseUri })
    await db.connect()
    try {
      // At 5,500 rows scanning and sorting costs about what the index does, and the planner may take
      // either; what matters is that the statement can be an index range in key order, which it takes
      // for a large table. (Before, it could not: "order by id" sorted by the id's text, and
      // "($1 is null or id > $1)" is no range — at 1,000,000 dealers every page scanned and sorted
      // the rest of the table.)
      await db.query('set enable_seqscan = off')
      await db.query('set enable_bitmapscan = off')
      await db.query('set enable_sort = off')
      for (const after of [undefined, ids[1000].id, ids[4000].id]) {
        const { text, params } = documentIdsQuery(table, { trash: false, after, limit: 1000 })
        const { rows } = await db.query(`explain (analyze, format json) ${text}`, params)
        const plan = JSON.stringify(rows[0]['QUERY PLAN'])
        expect(plan).toMatch(/"Node Type":"Index (Only )?Scan"/)
        expect(plan).not.toContain('"Node Type":"Sort"')
        expect(plan).not.toContain('Rows Removed by Filter')
        const touched = [...plan.matchAll(/"Actual Rows":([0-9.]+)/g)].map((m) => Number(m[1]))
        expect(Math.max(...touched)).toBeLessThanOrEqual(1000)
      }
    } finally {
      await db.end()
    }
  })
})

describe('telling rows without documents from rows of documents', () => {
  it('asks the id index, and leaves out ids that cannot be a document id', async () => {
    const runtime = getRuntime(app.payload)
    const table = runtime.db.table('dealers')
    const ids = (await payloadSql('select id::text as id from dealers order by id limit 3')) as {
      id: string
    }[]
    const candidates = [...ids.map((r) => r.id), 'gone', '42']
    const statement = existingIdsQuery(table, { trash: false, ids: candidates })!
    expect(statement.params).toEqual([ids.map((r) => r.id)])
    expect(existingIdsQuery(table, { trash: false, ids: ['gone'] })).toBeUndefined()
    const db = new pg.Client({ connectionString: app.stack.databaseUri })
    await db.connect()
    try {
      const found = await db.query(statement.text, statement.params)
      expect(found.rows.map((r) => r.key).sort()).toEqual(ids.map((r) => r.id).sort())
      // Compared as text, each chunk of candidates would read the whole table.
      await db.query('set enable_seqscan = off')
      const { rows } = await db.query(
        `explain (analyze, format json) ${statement.text}`,
        statement.params,
      )
      const plan = JSON.stringify(rows[0]['QUERY PLAN'])
      expect(plan).toMatch(/"Node Type":"(Index (Only )?Scan|Bitmap Index Scan)"/)
      const touched = [...plan.matchAll(/"Actual Rows":([0-9.]+)/g)].map((m) => Number(m[1]))
      expect(Math.max(...touched)).toBeLessThanOrEqual(3)
    } finally {
      await db.end()
    }
  })
})

describe('reading a page of documents', () => {
  it('reads every document of a key range, also those created after the page was cut', async () => {
    const runtime = getRuntime(app.payload)
    const ids = (
      (await payloadSql('select id::text as id from dealers order by id')) as {
        id: string
      }[]
    ).map((r) => r.id)
    // The page knows every other document of its range, as if the rest had been created since:
    // each part it is read in holds twice the documents it expects.
    const known = ids.slice(0, 2000).filter((_, i) => i % 2 === 0)
    const rows = await expectedRows(app.payload, syncedCollection(runtime), {
      range: { upTo: ids[1999], ids: known },
    })
    expect([...rows.keys()].sort()).toEqual(ids.slice(0, 2000).sort())
    for (const row of rows.values()) expect(row).toMatchObject({ name: expect.any(String) })
  })
})

describe('progress and cancel', () => {
  it('validate reports progress page by page', async () => {
    const seen: RunProgress[] = []
    const result = await validateSync(app.payload, { onProgress: (p) => seen.push(p) })
    expect(result.inSync).toBe(true)
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(COUNT / 1000))
    expect(seen.at(-1)).toMatchObject({ documents: COUNT, total: COUNT, differences: 0 })
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].documents).toBeGreaterThan(seen[i - 1].documents)
  })

  it('a cancelled sync stops between pages: every page it wrote is whole, the rest untouched, and the event says how far it got', async () => {
    await app.supabase.query('truncate public.dealers')
    const stop = new AbortController()
    const run = syncDocuments(app.payload, {
      signal: stop.signal,
      onProgress: (p) => p.documents >= 1000 && stop.abort(),
    })
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CancelledError)
    const progress = (error as CancelledError).progress
    const { rows } = await app.supabase.query<{ n: string }>(
      'select count(*)::text as n from public.dealers',
    )
    // Whole pages only (1,000 documents each, the last one shorter), never part of one.
    expect(Number(rows[0].n)).toBe(progress.documents)
    expect(progress.documents % 1000).toBe(0)
    expect(progress.documents).toBeLessThan(COUNT)
    expect((await events('sync'))[0]).toMatchObject({
      outcome: 'cancelled',
      details: expect.objectContaining({ documents: progress.documents }),
    })
    await syncDocuments(app.payload)
    expect((await validateSync(app.payload, { record: false })).inSync).toBe(true)
  }, 120_000)
})

describe('runs from the endpoints', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const user = (
      await app.payload.find({ collection: 'users', limit: 1, depth: 0, overrideAccess: true })
    ).docs[0]
    const { token } = await app.payload.login({
      collection: 'users',
      data: { email: String(user.email), password: 'secret-password' },
    })
    const request = new Request(`http://localhost:3000/api${path}`, {
      method,
      headers: {
        authorization: `JWT ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const res = await handleEndpoints({
      config: Promise.resolve(app.payload.config),
      request,
      payloadInstanceCacheKey: app.key,
    } as never)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('start a validate, poll its progress and result; cancel a sync', async () => {
    await app.payload.create({
      collection: 'users',
      data: { email: 'ops@example.com', password: 'secret-password' } as never,
    })
    const started = await call('POST', '/supabase-sync/runs', { op: 'validate' })
    expect(started.status).toBe(200)
    expect(started.body).toMatchObject({
      kind: 'validate',
      status: 'running',
      collection: 'dealers',
    })
    const done = await eventually(
      async () => {
        const state = await call('GET', `/supabase-sync/runs/${started.body.id}`)
        expect(state.body.status).toBe('done')
        return state.body
      },
      60_000,
      50,
    )
    expect(done).toMatchObject({
      result: expect.objectContaining({ inSync: true }),
      progress: expect.objectContaining({ documents: COUNT }),
    })

    // Every page's read of Supabase is held, so no page ends (and no further page starts) before the
    // cancel: holding only the first let the other pages of this small table all start first, and the
    // run, which stops between pages, then had none left to stop before.
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', count: 100 })
    const sync = await call('POST', '/supabase-sync/runs', { op: 'sync' })
    await hold.arrived
    const cancelling = call('POST', `/supabase-sync/runs/${sync.body.id}/cancel`, {})
    // Released once the cancel has reached the run: before, the sync could finish first.
    await eventually(async () =>
      expect((await call('GET', `/supabase-sync/runs/${sync.body.id}`)).body.cancelling).toBe(true),
    )
    hold.release()
    expect((await cancelling).body).toMatchObject({ status: 'cancelled' })
    expect((await call('GET', '/supabase-sync/runs/no-such-run')).status).toBe(404)
  }, 120_000)
})

describe('many rows without documents', () => {
  it('a check and a sync of a table with 150,000 rows without documents past the last document list them all, and the guard keeps them', async () => {
    // More than a call's arguments can spread (about 125,000 here): the tail's ids were once pushed
    // with push(...ids), which threw "Maximum call stack size exceeded".
    const ORPHANS = 150_000
    const supabase = new pg.Client({ connectionString: app.stack.supabaseDbUri })
    await supabase.connect()
    try {
      await supabase.query(
        `insert into public.dealers (id, name, slug, created_at)
           select ('ffffffff-ffff-4fff-8fff-' || lpad(to_hex(g), 12, '0'))::uuid, 'orphan', 'orphan-' || g, now()
             from generate_series(1, ${ORPHANS}) g`,
      )
      const check = await validateSync(app.payload)
      expect(check.extra).toHaveLength(ORPHANS)
      expect(check.extra[0]).toBe('ffffffff-ffff-4fff-8fff-000000000001')

      const synced = await syncDocuments(app.payload)
      expect(synced.differences.extra).toBe(ORPHANS)
      expect(synced).toMatchObject({ deleted: 0, orphansKept: ORPHANS })
      const { rows } = await supabase.query(
        `select count(*)::int as n from public.dealers where name = 'orphan'`,
      )
      expect(rows[0].n).toBe(ORPHANS)
    } finally {
      await supabase.query(`delete from public.dealers where name = 'orphan'`)
      await supabase.end()
    }
  }, 180_000)
})
