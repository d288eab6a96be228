/**
 * Payload's own runner — what `/api/payload-jobs/run?queue=supabase-sync` calls from a scheduler on
 * serverless hosts, where no process keeps the plugin's runner going — runs the sync task, which
 * delivers through the same path: a transient failure is retried by the job, a permanent one cancels
 * it with the cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      queue: { runAfterCommit: false, sweepInterval: false, backoff: 20, maxBackoff: 50 },
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
    error?: { message?: string }
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
  })
})
