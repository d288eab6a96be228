/**
 * `jobs.deleteJobOnComplete: false`: completed sync jobs are kept (marked completed), as Payload keeps
 * them. The promise is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    sync: { queue: { backoff: 50, maxBackoff: 200 }, retry: { minTimeout: 10, maxTimeout: 50 } },
    extend: (config) => ({ ...config, jobs: { ...config.jobs, deleteJobOnComplete: false } }),
  })
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

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
  }[]
}

describe('deleteJobOnComplete: false', () => {
  it('create, update and delete reach Supabase, and the completed jobs are kept as Payload keeps them', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () =>
      expect((await app.rows()).get(String(doc.id))?.name).toBe(doc.name),
    )
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'via Payload runner' },
    })
    await eventually(async () =>
      expect((await app.rows()).get(String(doc.id))?.name).toBe('via Payload runner'),
    )
    await app.payload.delete({ collection: 'dealers', id: doc.id })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(false))
    await eventually(async () => {
      const jobs = await jobsOf(String(doc.id))
      expect(jobs.length).toBeGreaterThanOrEqual(1)
      for (const job of jobs) expect(job.completedAt).toBeTruthy()
    })
  })

  it('a transient outage is retried by the job until Supabase is back', async () => {
    await app.stack.faults.down()
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(
      async () =>
        expect((await jobsOf(String(doc.id)))[0]?.totalTried ?? 0).toBeGreaterThanOrEqual(1),
      15_000,
    )
    await app.stack.faults.up()
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true), 15_000)
  })

  it('a permanent error ends the job at once with the dealer named', async () => {
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: ['not', 'an', 'object'] }),
    })
    const job = await eventually(async () => {
      const [j] = await jobsOf(String(doc.id))
      expect(j?.hasError).toBe(true)
      return j as unknown as { error?: { message?: string } }
    })
    expect(job.error?.message).toContain(String(doc.id))
    expect(job.error?.message).toContain('api_config.utm_config')
  })
})
