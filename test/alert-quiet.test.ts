/**
 * The external-change alert (rows changed in Supabase directly, caught by the realtime watch) is
 * resolved after its quiet time by whichever instance evaluates the rules — also when the instance
 * that caught the change and fired it is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert } from '../src/options.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import type { Payload } from 'payload'
import {
  dealerData,
  eventually,
  runSql,
  settled,
  silencePools,
  startApp,
  startPayload,
  type TestApp,
} from './support/app.js'

const received: Alert[] = []
// Long enough that the first instance is surely gone before it passes, on a loaded machine too.
const quietMs = 8_000
const sync = {
  realtime: true,
  alerts: {
    onAlert: (alert: Alert) => {
      received.push(alert)
    },
    evaluateEvery: 200,
    rules: {
      unreachableFor: false as const,
      failedJobs: false,
      pendingOlderThan: false as const,
      externalChange: quietMs,
    },
  },
}

let app: TestApp
let second: { payload: Payload } | undefined

beforeAll(async () => {
  app = await startApp({ sync })
  await eventually(async () => {
    const status = getRuntime(app.payload).watch?.status().dealers?.status
    if (status !== 'subscribed') throw new Error(`realtime is ${status}`)
  }, 20_000)
})
afterAll(async () => {
  await second?.payload.destroy().catch(() => {})
  await app?.close()
})

/**
 * Stops an instance as a process that ends does: Payload destroyed, and its database sessions gone
 * with it. (payload.destroy() alone leaves what was in flight waiting for ever on a database that
 * will never be ready again — a queue run still holding the checks queue's lock, in this process.)
 */
async function gone(payload: Payload): Promise<void> {
  const pool = payload.db.pool as unknown as { _clients?: Array<{ processID?: number }> }
  const pids = (pool._clients ?? []).map((c) => c.processID).filter((pid) => pid !== undefined)
  await payload.destroy()
  silencePools()
  await runSql(
    app.stack.databaseUri,
    `select pg_terminate_backend(pid) from pg_stat_activity where pid = any(array[${pids.join(',')}]::int[])`,
  )
}

const ofRule = (state: Alert['state']) =>
  received.filter((a) => a.rule === 'external-change' && a.state === state)

describe('external-change alert', () => {
  it('fired by an instance that then stops is resolved by another after the quiet time', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase' where id = $1`,
      [doc.id],
    )
    await eventually(async () => expect(ofRule('firing')).toHaveLength(1), 20_000, 20)
    const firedAt = Date.now()
    // Gone within the quiet time: it never saw the burst end.
    await gone(app.payload)
    expect(Date.now() - firedAt).toBeLessThan(quietMs)
    expect(ofRule('resolved')).toHaveLength(0)

    second = await startPayload(app.stack, { sync })
    await eventually(async () => expect(ofRule('resolved')).toHaveLength(1), 30_000, 50)
    expect(ofRule('resolved')[0]).toMatchObject({ collection: 'dealers' })
    const { docs } = await second.payload.find({
      collection: 'supabase-sync-events',
      where: {
        and: [
          { action: { equals: 'alert' } },
          { collectionSlug: { equals: 'dealers' } },
          { outcome: { equals: 'resolved' } },
        ],
      },
      depth: 0,
      overrideAccess: true,
    })
    expect(docs).toHaveLength(1)
    expect(docs[0].summary).toMatch(/RESOLVED: external-change:dealers/)
    expect(await getRuntime(second.payload).monitor!['alerts']!.firing()).toEqual([])
  }, 90_000)
})
