/**
 * The console's "Failed deliveries" (src/admin/FailedDeliveries.tsx) reads `syncStatus`: the most
 * recent failures, most recent first, and per collection how many documents failed for good (what
 * **Retry all** delivers). Before, the list was the first 20 failed documents in key order (a new
 * failure never showed once 20 older ones existed) and Retry all said it would deliver the 20 shown.
 * Its header and the line under the list count the same: failed documents (the header counted jobs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failedCounts } from '../src/admin/present/failedCounts.js'
import { syncStatus } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
})
afterAll(async () => {
  await app?.close()
})

describe('failed deliveries in the console', () => {
  it('lists the 20 most recent failures, most recent first, and counts every failed document', async () => {
    await settled(app)
    const jobs = getRuntime(app.payload).jobs
    // 22 deliveries refused for good (a check constraint: 400 23514), one after the other, so that
    // each fails later than the one before.
    const failedInOrder: string[] = []
    for (let i = 0; i < 22; i++) {
      app.stack.faults.failNext(1, 400, {
        path: 'rpc/supabase_sync_apply',
        code: '23514',
        message: 'new row violates check constraint',
      })
      const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
      failedInOrder.push(String(doc.id))
      await eventually(async () => expect((await jobs.counts()).failed).toBe(i + 1))
    }
    const status = await syncStatus(app.payload)
    const mostRecentFirst = [...failedInOrder].reverse()
    expect(status.failures.map((f) => f.id)).toEqual(mostRecentFirst.slice(0, 20))
    const times = status.failures.map((f) => Date.parse(f.updatedAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    // Retry all delivers every failed document of the collection, not the 20 shown.
    expect(status.collections.find((c) => c.collection === 'dealers')?.failed).toBe(22)
  })
})

describe('the panel counts documents, in its header and under its list alike', () => {
  it('a document saved again while its delivery fails has two failed jobs: counted once', async () => {
    const jobs = getRuntime(app.payload).jobs
    const refuse = () =>
      app.stack.faults.failNext(1, 400, {
        path: 'rpc/supabase_sync_apply',
        code: '23514',
        message: 'new row violates check constraint',
      })
    const before = await syncStatus(app.payload)
    refuse()
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await jobs.counts()).failed).toBe(before.jobs.failed + 1))
    refuse()
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'Saved again' } })
    await eventually(async () => expect((await jobs.counts()).failed).toBe(before.jobs.failed + 2))
    const status = await syncStatus(app.payload)
    const documents = status.collections.find((c) => c.collection === 'dealers')?.failed
    expect(documents).toBe((before.collections[0].failed ?? 0) + 1)
    // Jobs and documents differ now; the panel counts documents everywhere.
    expect(status.jobs.failed).toBe(documents! + 1)
    const counts = failedCounts(status)
    expect(counts).toMatchObject({ documents, listed: 20 })
    expect(counts.heading).toBe(`${documents} documents`)
    expect(counts.more).toBe(`Showing the 20 most recent of ${documents} failed documents.`)
    expect(status.failures.filter((f) => f.id === String(doc.id))).toHaveLength(1)
  })

  it('one failed document, or the status unknown', () => {
    const status = {
      collections: [{ collection: 'dealers', table: 'dealers', documents: 1, rows: 0, failed: 1 }],
      jobs: { pending: 0, retrying: 0, processing: 0, failed: 2, oldestPendingAgeMs: null },
      failures: [{ collection: 'dealers', id: 'a', error: null, totalTried: 2, updatedAt: '' }],
      supabase: { reachable: true, ms: 1 },
    }
    expect(failedCounts(status)).toEqual({ documents: 1, listed: 1, heading: '1 document' })
    expect(failedCounts(undefined)).toEqual({ documents: null, listed: 0, heading: 'unknown' })
  })
})
