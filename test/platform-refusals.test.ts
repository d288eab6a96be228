/**
 * Answers of the platform in front of PostgREST, which carry no PostgREST error code: 402 (a project
 * restricted for a quota or a payment), 540 (paused) and 406 PGRST106 (the Data API off, or `public`
 * not exposed) refuse every request until someone acts. They pause delivery with the cause named and
 * give nothing up: taken for a bad row, 402 and PGRST106 split every batch into single rows and
 * cancelled each job for good; 540 was retried for ever without a word. A CDN's HTML error page is
 * named by its title, not stored and logged whole with every document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      queue: { backoff: 50, maxBackoff: 200 },
      retry: { retries: 1, minTimeout: 10, maxTimeout: 50 },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

async function failedJobs(): Promise<number> {
  const { totalDocs } = await app.payload.count({
    collection: 'payload-jobs',
    where: { hasError: { equals: true } },
  })
  return totalDocs
}

const cases = [
  {
    name: '402 service restriction',
    status: 402,
    gateway: 'json',
    cause: /restricts the project \(402/,
  },
  {
    name: '540 project paused',
    status: 540,
    gateway: 'json',
    cause: /project is paused: restore it/,
  },
  { name: '406 PGRST106', status: 406, code: 'PGRST106', cause: /Data API does not expose/ },
] as const

describe('the platform refuses every request', () => {
  for (const c of cases)
    it(`${c.name}: delivery pauses naming the cause, gives nothing up, and every row lands after`, async () => {
      const pausesBefore = app.logs.find((l) => l.op === 'pause').length
      app.stack.faults.failNext(4, c.status, {
        ...('gateway' in c ? { gateway: c.gateway } : {}),
        ...('code' in c ? { code: c.code, message: 'Invalid schema: public' } : {}),
      })
      const docs: Array<{ id: string | number }> = []
      for (let i = 0; i < 5; i++)
        docs.push(await app.payload.create({ collection: 'dealers', data: dealerData() }))
      await eventually(async () => {
        const rows = await app.rows()
        for (const doc of docs) expect(rows.has(String(doc.id))).toBe(true)
      }, 30_000)
      expect(await failedJobs()).toBe(0)
      const pauses = app.logs.find((l) => l.op === 'pause').slice(pausesBefore)
      expect(pauses.length).toBeGreaterThan(0)
      expect(String(pauses[0].msg)).toMatch(c.cause)
    })
})

describe("a CDN's HTML error page", () => {
  it('is named by its title in the logs, not logged whole', async () => {
    const linesBefore = app.logs.raw.length
    app.stack.faults.failNext(1, 522, { gateway: 'html', message: 'Connection timed out' })
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    const about = app.logs.raw.slice(linesBefore).filter((line) => line.includes('522'))
    expect(about.length).toBeGreaterThan(0)
    expect(
      about.some((line) =>
        line.includes('an HTML page: xyz.supabase.co | 522: Connection timed out'),
      ),
    ).toBe(true)
    for (const line of about) expect(line.slice(0, 1500)).toBe(line)
    expect(await failedJobs()).toBe(0)
  })
})
