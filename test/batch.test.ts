/**
 * Bulk edits, imports and backlogs (issue 8): many pending changes reach Supabase together, in few
 * requests, with every guarantee of single deliveries — a bad row fails alone, a document's last
 * version wins, a slug freed by a delete is free before another dealer takes it — while an editor's
 * single save is still delivered at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

type Job = {
  id: string
  processing?: boolean
  hasError?: boolean
  error?: { message?: string; cancelled?: boolean }
  totalTried?: number
  waitUntil?: string | null
}

async function jobsOf(id: string): Promise<Job[]> {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    limit: 100,
    depth: 0,
  })
  return docs as unknown as Job[]
}

async function pendingJobs(): Promise<Job[]> {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: {
      and: [
        { taskSlug: { equals: 'supabase-sync' } },
        { completedAt: { exists: false } },
        { hasError: { not_equals: true } },
      ],
    } as never,
    limit: 0,
    pagination: false,
    depth: 0,
  })
  return docs as unknown as Job[]
}

/** `count` dealers sharing a domain (the bulk updates' `where`), already in Supabase. */
async function dealers(count: number, tag: string) {
  const docs: Array<Awaited<ReturnType<typeof app.payload.create>>> = []
  for (let i = 0; i < count; i += 50) {
    docs.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, () =>
          app.payload.create({ collection: 'dealers', data: dealerData({ domain: tag }) }),
        ),
      )),
    )
  }
  await eventually(async () => {
    const rows = await app.rows()
    for (const doc of docs) expect(rows.has(String(doc.id))).toBe(true)
  }, 30_000)
  await app.idle()
  return docs
}

const upserts = () => app.stack.stats().byTable['rpc/supabase_sync_apply']?.POST ?? 0

describe('a bulk update', () => {
  it('of 200 dealers reaches Supabase in a few upsert requests, not one per dealer', async () => {
    const tag = `bulk200-${Date.now()}.example.com`
    const docs = await dealers(200, tag)
    app.stack.faults.latency(20)
    try {
      app.stack.resetStats()
      const { docs: updated } = await app.payload.update({
        collection: 'dealers',
        where: { domain: { equals: tag } },
        data: { name: 'Bulk 200' },
      })
      expect(updated).toHaveLength(200)
      await eventually(
        async () => {
          const rows = await app.rows()
          for (const doc of docs) expect(rows.get(String(doc.id))?.name).toBe('Bulk 200')
        },
        20_000,
        20,
      )
      await app.idle()
    } finally {
      app.stack.faults.latency(0)
    }
    expect(upserts()).toBeGreaterThanOrEqual(1)
    expect(upserts()).toBeLessThanOrEqual(4)
    expect(app.stack.stats().total).toBeLessThanOrEqual(6)
    expect(await pendingJobs()).toHaveLength(0)
    // One log line per document, as for single deliveries.
    for (const doc of docs.slice(0, 5)) {
      expect(
        app.logs.find(
          (l) => l.id === String(doc.id) && l.op === 'upsert' && l.outcome === 'written',
        ).length,
      ).toBeGreaterThanOrEqual(2)
    }
  })

  it('with one row Supabase refuses delivers all the others, and fails that one job with its id and cause', async () => {
    const tag = `badrow-${Date.now()}.example.com`
    const docs = await dealers(30, tag)
    const bad = docs[17]
    // Existing rows are not checked (not valid); the update of the bad dealer's row is.
    await app.supabase.query(
      `alter table public.dealers add constraint batch_no_bad_slug check (slug <> '${String(bad.slug)}') not valid`,
    )
    try {
      app.stack.resetStats()
      await app.payload.update({
        collection: 'dealers',
        where: { domain: { equals: tag } },
        data: { name: 'Bad row batch' },
      })
      const job = await eventually(async () => {
        const [j] = await jobsOf(String(bad.id))
        expect(j?.hasError).toBe(true)
        return j
      }, 20_000)
      expect(job.error?.message).toContain(String(bad.id))
      expect(job.error?.message).toContain('23514')
      // Not retried: a permanent error.
      expect(job.totalTried ?? 1).toBeLessThanOrEqual(1)
      const rows = await app.rows()
      for (const doc of docs) {
        if (doc.id === bad.id) expect(rows.get(String(doc.id))?.name).toBe(doc.name)
        else expect(rows.get(String(doc.id))?.name).toBe('Bad row batch')
      }
      // The bad row was isolated inside the batch's request, not by one request per dealer.
      expect(upserts()).toBeLessThanOrEqual(3)
      const line = app.logs.find((l) => l.id === String(bad.id) && l.outcome === 'failed')[0]
      expect(line).toMatchObject({ collection: 'dealers', code: '23514', status: 400 })
      await app.idle()
      for (const doc of docs)
        if (doc.id !== bad.id) expect(await jobsOf(String(doc.id))).toHaveLength(0)
      // Failed for good is a Sync event of its own: the document and the cause.
      const event = await eventually(async () => {
        const { docs: events } = await app.payload.find({
          collection: 'supabase-sync-events',
          where: { and: [{ action: { equals: 'delivery' } }, { outcome: { equals: 'failed' } }] },
          sort: '-createdAt',
          depth: 0,
          limit: 20,
        })
        const found = events.find((e) => (e.ids as string[]).includes(String(bad.id)))
        expect(found).toBeDefined()
        return found!
      })
      expect(event.summary).toContain('23514')
      expect(event.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: String(bad.id), code: '23514' })]),
      )
    } finally {
      await app.supabase.query('alter table public.dealers drop constraint batch_no_bad_slug')
    }
    // Fixed: the next delivery resolves the failed job, and no new failure is recorded.
    await app.payload.update({ collection: 'dealers', id: bad.id, data: { name: 'fixed' } })
    await eventually(async () => {
      expect((await app.rows()).get(String(bad.id))?.name).toBe('fixed')
      expect(await jobsOf(String(bad.id))).toHaveLength(0)
    })
  })

  it("with a burst of edits to one of its dealers ends with that dealer's last version", async () => {
    const tag = `burst-${Date.now()}.example.com`
    const docs = await dealers(100, tag)
    const hot = docs[42]
    app.stack.faults.latency([5, 40])
    try {
      await Promise.all([
        app.payload.update({
          collection: 'dealers',
          where: { domain: { equals: tag } },
          data: { name: 'Burst batch' },
        }),
        (async () => {
          for (let i = 0; i < 20; i++) {
            await app.payload.update({
              collection: 'dealers',
              id: hot.id,
              data: { name: `hot ${i}`, homenet_config: { rooftop_id: `H${i}` } },
            })
          }
        })(),
      ])
      // And a last one, after the bulk update committed.
      await app.payload.update({
        collection: 'dealers',
        id: hot.id,
        data: { name: 'hot final', homenet_config: { rooftop_id: 'H-final' } },
      })
      const final = await app.payload.findByID({ collection: 'dealers', id: hot.id })
      await eventually(
        async () => {
          const rows = await app.rows()
          const row = rows.get(String(hot.id))!
          expect(row.name).toBe('hot final')
          expect(row.rooftop_id).toBe('H-final')
          expect(Date.parse(String(row.updated_at))).toBe(Date.parse(String(final.updatedAt)))
          for (const doc of docs)
            if (doc.id !== hot.id) expect(rows.get(String(doc.id))?.name).toBe('Burst batch')
        },
        30_000,
        50,
      )
      await eventually(async () => expect(await pendingJobs()).toHaveLength(0), 30_000)
      expect((await app.rows()).get(String(hot.id))?.name).toBe('hot final')
    } finally {
      app.stack.faults.latency(0)
    }
  })
})

describe('a backlog made while Supabase was down', () => {
  it('a delete and a create re-using its slug both land, with the other changes', async () => {
    const tag = `backlog-${Date.now()}.example.com`
    const docs = await dealers(40, tag)
    const [gone, ...kept] = docs
    await app.stack.faults.down()
    let again: Awaited<ReturnType<typeof app.payload.create>>
    try {
      await app.payload.delete({ collection: 'dealers', id: gone.id })
      again = await app.payload.create({
        collection: 'dealers',
        data: dealerData({ slug: gone.slug, domain: tag }),
      })
      for (const doc of kept)
        await app.payload.update({
          collection: 'dealers',
          id: doc.id,
          data: { name: `backlog ${String(doc.slug)}` },
        })
      // Every change has failed once and waits out its backoff.
      await eventually(
        async () => {
          const pending = await pendingJobs()
          expect(pending.length).toBe(docs.length + 1)
          for (const job of pending) expect(job.totalTried ?? 0).toBeGreaterThanOrEqual(1)
        },
        30_000,
        200,
      )
      expect((await app.rows()).has(String(gone.id))).toBe(true)
    } finally {
      await app.stack.faults.up()
    }
    app.stack.resetStats()
    await eventually(
      async () => {
        const rows = await app.rows()
        expect(rows.has(String(gone.id))).toBe(false)
        expect(rows.get(String(again.id))?.slug).toBe(gone.slug)
        for (const doc of kept)
          expect(rows.get(String(doc.id))?.name).toBe(`backlog ${String(doc.slug)}`)
      },
      20_000,
      50,
    )
    await eventually(async () => expect(await pendingJobs()).toHaveLength(0), 20_000)
    expect((await jobsOf(String(again.id))).filter((j) => j.hasError)).toHaveLength(0)
    // 41 changes, a few requests.
    expect(app.stack.stats().total).toBeLessThanOrEqual(10)
  })

  it('is due as soon as Supabase answers again, not after its backoff', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await app.idle()
    await app.stack.faults.down()
    try {
      await app.payload.update({
        collection: 'dealers',
        id: doc.id,
        data: { name: 'after a long outage' },
      })
      // As after a long outage: the job has failed and its next attempt is ten minutes away.
      await eventually(
        async () => {
          const [job] = await jobsOf(String(doc.id))
          expect(job?.totalTried ?? 0).toBeGreaterThanOrEqual(1)
          expect(job.processing).toBe(false)
          await app.payload.update({
            collection: 'payload-jobs',
            where: { and: [{ id: { equals: job.id } }, { processing: { equals: false } }] },
            data: { waitUntil: new Date(Date.now() + 600_000).toISOString() } as never,
          })
          const [after] = await jobsOf(String(doc.id))
          expect(after.processing).toBe(false)
          expect(Date.parse(String(after.waitUntil)) - Date.now()).toBeGreaterThan(300_000)
        },
        20_000,
        100,
      )
    } finally {
      await app.stack.faults.up()
    }
    // Long before its backoff: a sweep asks Supabase whether it is back, and wakes the backlog.
    await eventually(
      async () => expect((await app.rows()).get(String(doc.id))?.name).toBe('after a long outage'),
      120_000,
      50,
    )
  }, 180_000)
})
