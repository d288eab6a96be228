/**
 * /metrics reports the drift of the newest check of any instance, as /health does: the checks run on
 * whichever instance takes their queue, and a scrape may reach another.
 */
import { handleEndpoints, type Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syncDocuments, validateSync } from '../src/index.js'
import { dealerData, settled, startApp, startPayload, type TestApp } from './support/app.js'

const token = 'metrics-of-any-instance-0123456789'
let app: TestApp
let second: { payload: Payload; key: string }

beforeAll(async () => {
  app = await startApp({ sync: { metrics: { token } } })
  // No startup reconcile of its own: on a slow machine it ran after the test's edit and repaired it,
  // a newer result than the check the test makes.
  second = await startPayload(app.stack, { sync: { metrics: { token }, syncOnInit: false } })
})
afterAll(async () => {
  await second?.payload.destroy().catch(() => {})
  await app?.close()
})

/** GET /api/supabase-sync/metrics of one instance. */
async function scrape(instance: { payload: Payload; key: string }): Promise<string> {
  const res = await handleEndpoints({
    config: Promise.resolve(instance.payload.config),
    request: new Request('http://localhost:3000/api/supabase-sync/metrics', {
      headers: { authorization: `Bearer ${token}` },
    }),
    payloadInstanceCacheKey: instance.key,
  } as never)
  expect(res.status).toBe(200)
  return res.text()
}

const changed = (text: string) =>
  text.match(/^supabase_sync_drift_rows\{collection="dealers",kind="changed"\} (\d+)$/m)?.[1]

describe('drift metrics across instances', () => {
  it("an instance's /metrics shows the newest check, whichever instance ran it", async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    await app.supabase.query(`update public.dealers set name = 'tampered' where id = $1`, [doc.id])
    await validateSync(app.payload)
    // The other instance ran no check: it shows this one's.
    expect(changed(await scrape(second))).toBe('1')
    expect(changed(await scrape(app))).toBe('1')
    expect(await scrape(second)).toMatch(
      /^supabase_sync_drift_checked_timestamp_seconds\{collection="dealers"\} \d+/m,
    )

    await syncDocuments(app.payload, { ids: [String(doc.id)] })
    await validateSync(second.payload)
    // The newest check is the other's, in sync: the first instance's own older one no longer counts.
    expect(changed(await scrape(app))).toBe('0')
    expect(changed(await scrape(second))).toBe('0')
  }, 60_000)
})
