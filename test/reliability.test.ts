/**
 * Failures on the way to Supabase: transient ones are retried until the row lands, permanent ones fail
 * the job at once with the dealer named, and the service-role key never reaches a log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, startPayload, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  // Short job backoff so that job-level retries happen within a test.
  app = await startApp({
    sync: {
      queue: { backoff: 50, maxBackoff: 200, conflictAttempts: 2 },
      retry: { minTimeout: 10, maxTimeout: 50 },
    },
  })
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

async function jobFor(id: string) {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    limit: 10,
  })
  return docs[0] as unknown as
    | {
        hasError?: boolean
        error?: { message?: string; cancelled?: boolean }
        totalTried?: number
        log?: unknown[]
      }
    | undefined
}

describe('transient failures are retried until success', () => {
  it('503s', async () => {
    app.stack.faults.failNext(3, 503)
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
  })

  it('429 with Retry-After', async () => {
    app.stack.faults.failNext(1, 429, { retryAfter: 1 })
    const started = Date.now()
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })

  it('dropped connections', async () => {
    app.stack.faults.resetNext(3)
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
  })

  it('an outage longer than the in-process retries: the job retries until Supabase is back', async () => {
    await app.stack.faults.down()
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(
      async () => expect((await jobFor(String(doc.id)))?.totalTried ?? 0).toBeGreaterThanOrEqual(2),
      15_000,
    )
    await app.stack.faults.up()
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true), 15_000)
    expect(
      app.logs.find((l) => l.id === String(doc.id) && l.outcome === 'retry').length,
    ).toBeGreaterThanOrEqual(1)
  })
})

describe('permanent failures are not retried and name the dealer', () => {
  it('a 400 (a check Supabase enforces) fails the job once, with the cause in the job', async () => {
    await app.supabase.query(
      `alter table public.dealers add constraint no_bad_names check (name not like 'BAD%')`,
    )
    try {
      app.stack.resetStats()
      const doc = await app.payload.create({
        collection: 'dealers',
        data: dealerData({ name: 'BAD name' }),
      })
      const job = await eventually(async () => {
        const j = await jobFor(String(doc.id))
        expect(j?.hasError).toBe(true)
        return j!
      })
      expect(job.totalTried ?? 1).toBeLessThanOrEqual(1)
      expect(job.error?.message).toContain(String(doc.id))
      expect(job.error?.message).toContain('23514')
      // One request: no in-process retry either.
      expect(app.stack.stats().byTable['rpc/supabase_sync_apply']?.POST).toBe(1)
      const line = app.logs.find((l) => l.id === String(doc.id) && l.outcome === 'failed')[0]
      expect(line).toMatchObject({ collection: 'dealers', code: '23514', status: 400 })
      expect((await app.rows()).has(String(doc.id))).toBe(false)
    } finally {
      await app.supabase.query('alter table public.dealers drop constraint no_bad_names')
    }
  })

  it('a 409 (slug taken in Supabase) is retried a bounded number of times, then fails with the dealer named', async () => {
    const data = dealerData()
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'squatter', $1, now())`,
      [data.slug],
    )
    const doc = await app.payload.create({ collection: 'dealers', data })
    const job = await eventually(async () => {
      const j = await jobFor(String(doc.id))
      expect(j?.hasError).toBe(true)
      return j!
    }, 15_000)
    expect(job.error?.message).toContain(String(doc.id))
    expect(job.error?.message).toContain('23505')
    const attempts = app.logs.find((l) => l.id === String(doc.id) && l.code === '23505')
    expect(attempts.length).toBe(3) // conflictAttempts: 2 → 3 tries
  })

  it('a job of a collection no longer synced fails for good, recorded as a Sync event', async () => {
    // Queued by an earlier version whose config synced "retired"; the sweep finds it.
    const id = `retired-${Date.now()}`
    await app.payload.jobs.queue({
      task: 'supabase-sync',
      queue: 'supabase-sync',
      input: { collection: 'retired', id },
    } as never)
    await eventually(async () => expect((await jobFor(id))?.hasError).toBe(true))
    expect((await jobFor(id))?.error?.message).toContain('collection "retired" is not synced')
    const event = await eventually(async () => {
      const { docs } = await app.payload.find({
        collection: 'supabase-sync-events',
        where: {
          and: [{ action: { equals: 'delivery' } }, { collectionSlug: { equals: 'retired' } }],
        },
        depth: 0,
      })
      expect(docs).toHaveLength(1)
      return docs[0]
    })
    expect(event).toMatchObject({ outcome: 'failed', ids: [id] })
    expect(event.summary).toContain('is not synced')
  })

  it('a document the mapper refuses fails with the field named, and the save itself succeeds', async () => {
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: ['not', 'an', 'object'] }),
    })
    expect(doc.id).toBeDefined()
    const job = await eventually(async () => {
      const j = await jobFor(String(doc.id))
      expect(j?.hasError).toBe(true)
      return j!
    })
    expect(job.error?.message).toContain(String(doc.id))
    expect(job.error?.message).toContain('api_config.utm_config')
  })
})

describe('logs', () => {
  it('never contain the service-role key', async () => {
    // A 401 (the key refused) pauses delivery and logs the cause, with the request's details.
    app.stack.faults.failNext(4, 401)
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect(app.logs.find((l) => l.op === 'pause')).not.toHaveLength(0))
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true), 30_000)
    const all = app.logs.raw.join('\n')
    expect(all.length).toBeGreaterThan(1000)
    expect(all).not.toContain(app.stack.serviceRoleKey)
    // Nor a recognisable part of it (the signature).
    expect(all).not.toContain(app.stack.serviceRoleKey.split('.')[2])
  })
})

describe('disabled: true', () => {
  it('sends nothing', async () => {
    const { payload } = await startPayload(app.stack, { sync: { disabled: true } })
    try {
      app.stack.resetStats()
      const doc = await payload.create({ collection: 'dealers', data: dealerData() })
      await payload.update({ collection: 'dealers', id: doc.id, data: { name: 'still nothing' } })
      // No hook ran, so no job exists that anything could ever deliver.
      expect(await jobFor(String(doc.id))).toBeUndefined()
      await app.idle()
      expect(app.stack.stats().total).toBe(0)
      expect((await app.rows()).has(String(doc.id))).toBe(false)
      await payload.delete({ collection: 'dealers', id: doc.id })
    } finally {
      await payload.destroy()
    }
  })
})
