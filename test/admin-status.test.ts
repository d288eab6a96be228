/**
 * The status the dashboard panel and the console's header read (admin/server/health.ts): while
 * Supabase hangs, a read given up on goes on retrying in the background, and every open tab asks
 * again every 5 s — one read at a time per instance, shared, instead of one more each time.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadStatus } from '../src/admin/server/health.js'
import { startApp, type TestApp } from './support/app.js'

let app: TestApp
beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
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
