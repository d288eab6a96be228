/**
 * Payload's own runner — what `/api/payload-jobs/run?queue=supabase-sync` calls from a scheduler on
 * serverless hosts, where no process keeps the plugin's runner going — runs the sync task, which
 * delivers through the same path: a transient failure is retried by the job, a permanent one cancels
 * it with the cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { documentStates } from '../src/ops/compare.js'
import { syncStatus } from '../src/ops/status.js'
import { releaseStaleJobs } from '../src/queue/stale.js'
import { dealerData, eventually, runSql, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      queue: {
        runAfterCommit: false,
        sweepInterval: false,
        backoff: 20,
        maxBackoff: 50,
        staleAfter: 5_000,
      },
      // staleAfter must exceed what a delivery can take: 2 × one try of 2 s.
      timeoutMs: 2_000,
      retry: { retries: 0 },
    },
  })
})
afterAll(async () => {
  await app?.close()
})

const run = () =>
  app.payload.jobs.run({ queue: 'supabase-sync', limit: 100, silent: true } as never)

async function jobsOf(id: string) {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    limit: 100,
    depth: 0,
  })
  return docs as unknown as {
    completedAt?: string | null
    hasError?: boolean
    totalTried?: number
    waitUntil?: string | null
    error?: { message?: string; kind?: string; deaths?: number; cancelled?: boolean }
  }[]
}

describe("Payload's runner", () => {
  it('delivers a save, and nothing else does: without it the job waits', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    expect(await jobsOf(String(doc.id))).toHaveLength(1)
    expect((await app.rows()).has(String(doc.id))).toBe(false)
    await run()
    expect((await app.rows()).get(String(doc.id))?.name).toBe(doc.name)
    expect(await jobsOf(String(doc.id))).toHaveLength(0)
  })

  it('retries a transient failure until Supabase is back', async () => {
    await app.stack.faults.down()
    let doc
    try {
      doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
      await run()
      const [waiting] = await jobsOf(String(doc.id))
      expect(waiting.hasError).toBe(false)
      expect(waiting.totalTried).toBeGreaterThanOrEqual(1)
    } finally {
      await app.stack.faults.up()
    }
    await eventually(
      async () => {
        await run()
        expect((await app.rows()).get(String(doc.id))?.name).toBe(doc.name)
      },
      20_000,
      50,
    )
  })

  it('cancels the job of a document that cannot be mapped, naming the field', async () => {
    const bad = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: ['not', 'an', 'object'] }),
    })
    await run()
    const [job] = await jobsOf(String(bad.id))
    expect(job.hasError).toBe(true)
    expect(job.error?.message).toContain(String(bad.id))
    expect(job.error?.message).toContain('api_config.utm_config')
    // Booked by Payload as cancelled (its one way to end a job for good), yet a failed delivery: not
    // taken for a job an operator cancelled with the jobs API.
    expect(job.error).toMatchObject({ cancelled: true })
    const status = await syncStatus(app.payload)
    expect(status.failures.map((f) => f.id)).toContain(String(bad.id))
    const [state] = await documentStates(app.payload, { ids: [String(bad.id)] })
    expect(state.failure?.message).toContain('api_config.utm_config')
  })

  it("records a job it gives up as the plugin's runner does: one Sync event naming the document and the cause", async () => {
    const bad = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: ['not', 'an', 'object'] }),
    })
    const id = String(bad.id)
    await run()
    const [job] = await jobsOf(id)
    expect(job.hasError).toBe(true)
    const events = await eventually(async () => {
      const found = await givenUpEvents(id)
      expect(found).toHaveLength(1)
      return found
    })
    expect(events[0].summary).toContain('failed for good')
    expect(events[0].summary).toContain('api_config.utm_config')
    expect(events[0].details).toEqual([
      expect.objectContaining({ id, kind: 'row', field: 'api_config.utm_config' }),
    ])
    // Not recorded again by a later run: the job stays failed.
    await run()
    expect(await givenUpEvents(id)).toHaveLength(1)
  })

  it('cancels and records the job of a collection no longer synced', async () => {
    const id = `retired-${Date.now()}`
    await app.payload.jobs.queue({
      task: 'supabase-sync',
      queue: 'supabase-sync',
      input: { collection: 'retired', id },
    } as never)
    await run()
    const [job] = await jobsOf(id)
    expect(job.hasError).toBe(true)
    expect(job.error?.message).toContain('collection "retired" is not synced')
    const events = await eventually(async () => {
      const found = await givenUpEvents(id)
      expect(found).toHaveLength(1)
      return found
    })
    expect(events[0]).toMatchObject({ collectionSlug: 'retired' })
    expect(events[0].summary).toContain('is not synced')
  })

  it('records it once when the delivery gave up other jobs of the document too', async () => {
    const bad = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: ['not', 'an', 'object'] }),
    })
    const id = String(bad.id)
    await app.payload.update({ collection: 'dealers', id, data: { name: 'still unmappable' } })
    expect(await jobsOf(id)).toHaveLength(2)
    await run()
    await run()
    await eventually(async () => {
      const jobs = await jobsOf(id)
      expect(jobs.every((j) => j.hasError)).toBe(true)
    })
    expect(await givenUpEvents(id)).toHaveLength(1)
  })

  it("a job a dead runner left processing does not hold the document's next save back", async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    // Payload's runner took the job and its process died: processing, for ever.
    await leftProcessing(String(doc.id))
    await run()
    expect((await app.rows()).has(String(doc.id))).toBe(false)
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'saved again' } })
    await run()
    expect((await app.rows()).get(String(doc.id))?.name).toBe('saved again')
    expect(await jobsOf(String(doc.id))).toHaveLength(0)
  })

  it('nor the document whose job it was, without another save: the sync task releases it', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await leftProcessing(String(doc.id))
    // Other documents' jobs run the task, which now and then releases jobs left processing.
    await eventually(
      async () => {
        await app.payload.create({ collection: 'dealers', data: dealerData() })
        await run()
        expect((await app.rows()).get(String(doc.id))?.name).toBe(doc.name)
      },
      20_000,
      50,
    )
    expect(app.logs.find((l) => l.op === 'release').length).toBeGreaterThan(0)
  })
})

describe('a document whose delivery kills the runner every time', () => {
  it('is released with a backoff each time, a try counted and the deaths said, never given up', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    const id = String(doc.id)
    const { jobs, logger } = getRuntime(app.payload)
    for (let death = 1; death <= 6; death++) {
      await leftProcessing(id)
      expect(await releaseStaleJobs(jobs, logger)).toBe(1)
      const [job] = await jobsOf(id)
      // Not given up: an outage that outlasts the host's time limit kills every runner too.
      expect(job).toMatchObject({ totalTried: death, hasError: false })
      expect(job.error).toMatchObject({ kind: 'transient', deaths: death })
      expect(job.error?.message).toContain(`${id}: the runner delivering it died (${death} so far`)
      expect(new Date(job.waitUntil!).getTime()).toBeGreaterThan(Date.now() - 1_000)
    }
    // Delivered at the next run once its backoff is over.
    await eventually(async () => {
      await run()
      expect((await app.rows()).get(id)?.name).toBe(doc.name)
    })
    expect(await jobsOf(id)).toHaveLength(0)
  })
})

describe('releasing a stale job with a save', () => {
  it('fails without taking the save with it', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    const id = String(doc.id)
    await leftProcessing(id)
    // The release fails (as a serialization failure or a deadlock would): before, the save's
    // transaction was aborted by it, and its commit rolled the save back without an error.
    await runSql(
      app.stack.databaseUri,
      `create function refuse_release() returns trigger language plpgsql as $$
         begin if old.processing and not new.processing then raise exception 'release refused'; end if; return new; end $$;
       create trigger refuse_release before update on payload_jobs for each row execute function refuse_release()`,
    )
    try {
      await app.payload.update({ collection: 'dealers', id, data: { name: 'Saved all the same' } })
    } finally {
      await runSql(
        app.stack.databaseUri,
        'drop trigger refuse_release on payload_jobs; drop function refuse_release()',
      )
    }
    const saved = await app.payload.findByID({ collection: 'dealers', id, depth: 0 })
    expect(saved.name).toBe('Saved all the same')
    // Its job is there, and delivers once the stale one is released.
    await eventually(async () => {
      await releaseStaleJobs(getRuntime(app.payload).jobs, getRuntime(app.payload).logger)
      await run()
      expect((await app.rows()).get(id)?.name).toBe('Saved all the same')
    })
  })
})

/** The Sync events that record deliveries of a document failed for good. */
async function givenUpEvents(id: string) {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { and: [{ action: { equals: 'delivery' } }, { outcome: { equals: 'failed' } }] },
    limit: 100,
    depth: 0,
  })
  return docs.filter((e) => (e.ids as string[]).includes(id))
}

/** A job as Payload's runner leaves it when its process dies while running it. */
async function leftProcessing(id: string): Promise<void> {
  await runSql(
    app.stack.databaseUri,
    `update payload_jobs set processing = true, updated_at = now() - interval '1 hour' where input->>'id' = '${id}'`,
  )
}
