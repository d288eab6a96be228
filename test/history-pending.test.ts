/**
 * The history's pending changes are sampled whenever history is kept — also in an app without
 * alerts (the default), where nothing evaluates the alert rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHistory } from '../src/admin/server/history.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { queue: { backoff: 50, maxBackoff: 200 } } })
})
afterAll(async () => {
  await app?.close()
})

describe('pending history without alerts', () => {
  it('changes waiting while Supabase is down show in the rollups and the chart', async () => {
    const runtime = getRuntime(app.payload)
    expect(runtime.options.alerts).toBeUndefined()
    const rollups = runtime.monitor!.rollups!
    await settled(app)
    await app.stack.faults.down()
    try {
      for (let i = 0; i < 3; i++)
        await app.payload.create({ collection: 'dealers', data: dealerData() })
      await eventually(
        async () => {
          // This instance's samples so far, the current minute's included.
          await rollups.flush(true)
          const { rows } = await app.payload.db.pool.query(
            `select coalesce(max(pending), 0)::int as n from supabase_sync_rollups where collection_slug = '*'`,
          )
          expect(Number(rows[0].n)).toBeGreaterThanOrEqual(3)
        },
        // Sampled every 15 s without alerts.
        40_000,
        200,
      )
      const chart = await loadHistory(runtime, '1h')
      expect(Math.max(...chart.map((p) => p.pending ?? 0))).toBeGreaterThanOrEqual(3)
    } finally {
      await app.stack.faults.up()
    }
    await settled(app)
  }, 90_000)
})
