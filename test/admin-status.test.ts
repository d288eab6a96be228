/**
 * The status the dashboard panel and the console's header read (admin/server/health.ts): while
 * Supabase hangs, a read given up on goes on retrying in the background, and every open tab asks
 * again every 5 s — one read at a time per instance, shared, instead of one more each time. And the
 * row counts (a scan of each table) of those refreshes are reused for a while, not taken every 5 s.
 */
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assessHealth } from '../src/admin/health.js'
import { HealthDetails } from '../src/admin/HealthDetails.js'
import { loadStatus } from '../src/admin/server/health.js'
import { syncDocuments } from '../src/ops/sync.js'
import { countsMaxAgeMs, forgetCounts } from '../src/ops/status-counts.js'
import { dealerData, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp
beforeAll(async () => {
  // No scheduled check: its count of the table would be one more in the stand-in's counts.
  app = await startApp({ sync: { syncOnInit: false, checks: { schedule: false } } })
})
afterAll(async () => {
  await app?.close()
})

it('refreshes while a status read hangs join it instead of starting one more each', async () => {
  // The status's read of the table's row count hangs (the first such request; later ones would pass).
  const hang = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
  try {
    expect((await loadStatus(app.payload, 200)).error).toMatch(/no answer within 0.2 s/)
    await hang.arrived
    // Before, each refresh started its own read, whose count passed and answered.
    for (let i = 0; i < 3; i++)
      expect((await loadStatus(app.payload, 2_000)).error).toMatch(/no answer within 2 s/)
    expect(hang.held()).toBe(1)
  } finally {
    hang.release()
  }
  await hang.handled
  // Once Supabase answers, the shared read ends and a refresh gets a status.
  expect((await loadStatus(app.payload, 30_000)).status?.collections[0].collection).toBe('dealers')
}, 60_000)

describe('the counts of the refreshes (every open tab, every 5 s)', () => {
  /** Requests to the stand-in that asked for the table's row count (an exact count: a full scan). */
  const rowCounts = () => app.stack.stats().counts.dealers ?? 0
  let clock = Date.now()
  const reuse = { maxAgeMs: countsMaxAgeMs, now: () => clock }
  const read = async () => {
    const { status, error } = await loadStatus(app.payload, 30_000, reuse)
    expect(error).toBeUndefined()
    return status!.collections.find((c) => c.collection === 'dealers')!
  }

  it('are counted once for the refreshes within the reuse window, and again after it', async () => {
    forgetCounts(app.payload, 'dealers')
    app.stack.resetStats()
    const first = await read()
    // A save meanwhile: the refreshes within the window show the counts they reuse, and their age.
    await app.payload.create({ collection: 'dealers', data: dealerData() })
    for (let i = 0; i < 4; i++) {
      clock += 5_000
      const again = await read()
      expect(again).toMatchObject({ documents: first.documents, countedAt: first.countedAt })
    }
    // Before, each refresh counted again (five counts).
    expect(rowCounts()).toBe(1)
    const { status } = await loadStatus(app.payload, 30_000, reuse)
    const html = renderToStaticMarkup(
      createElement(HealthDetails, {
        status: status!,
        health: assessHealth(status!, { now: clock }),
        runs: new Map(),
        adminUrl: (path: string) => path,
      }),
    )
    expect(html).toContain('documents and rows counted 20 s ago')
    // Past the window: counted again, the save included.
    clock += countsMaxAgeMs
    const later = await read()
    expect(rowCounts()).toBe(2)
    expect(later.documents).toBe(first.documents + 1)
    expect(Date.parse(later.countedAt!)).toBe(clock)
  })

  it("an operation's end (a push, a sync) makes the next refresh count again", async () => {
    const before = await read()
    app.stack.resetStats()
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    expect((await read()).documents).toBe(before.documents)
    expect(rowCounts()).toBe(0)
    await syncDocuments(app.payload, { ids: [String(doc.id)] })
    // The jobs of this save and of the one before (the earlier test's) deliver in the background: a
    // count taken before one of them lands would be one row short of the table read after it.
    await settled(app)
    app.stack.resetStats()
    const after = await read()
    expect(rowCounts()).toBe(1)
    expect(after.documents).toBe(before.documents + 1)
    expect(after.rows).toBe((await app.rows()).size)
  })

  it('Supabase unreachable is seen at once while the counts are reused', async () => {
    await read()
    await app.stack.faults.down()
    try {
      const { status } = await loadStatus(app.payload, 30_000, reuse)
      expect(status?.supabase.reachable).toBe(false)
      expect(status?.collections[0].rows).toBeNull()
    } finally {
      await app.stack.faults.up()
    }
    // Answering again: counted again, not the counts from before the outage.
    app.stack.resetStats()
    expect((await read()).rows).toBe((await app.rows()).size)
    expect(rowCounts()).toBe(1)
  })
})
