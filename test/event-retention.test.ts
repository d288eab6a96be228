/**
 * The audit trail's retention: Sync events past `events.retentionDays` are deleted by an hourly task
 * on the checks queue; younger ones stay, and `retentionDays: false` keeps everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventsSlug } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { recordEvent } from '../src/ops/audit.js'
import { pruneEventsTaskSlug } from '../src/ops/event-retention.js'
import { eventually, runSql, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    sync: { syncOnInit: false, events: { retentionDays: 30 }, checks: { schedule: false } },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

async function summaries(): Promise<string[]> {
  const { docs } = await app.payload.find({ collection: eventsSlug, limit: 0, sort: 'summary' })
  return docs.map((d) => String(d.summary))
}

describe('Sync events retention', () => {
  it('deletes the events older than the retention, once an hour across instances', async () => {
    const { payload } = app
    const logger = getRuntime(payload).logger
    for (const summary of ['old one', 'old two', 'recent'])
      await recordEvent(
        { payload, logger },
        {
          action: 'sync',
          collectionSlug: 'dealers',
          outcome: 'ok',
          summary,
          actor: { source: 'api' },
        },
      )
    await runSql(
      app.stack.databaseUri,
      `update supabase_sync_events set created_at = now() - interval '31 days' where summary like 'old%'`,
    )
    await runSql(
      app.stack.databaseUri,
      `update supabase_sync_events set created_at = now() - interval '29 days' where summary = 'recent'`,
    )
    expect(await summaries()).toEqual(['old one', 'old two', 'recent'])

    // Payload's schedules queue the task once, for the next hour's minute 7, on the checks queue.
    // (A run returns at once while the app's own timer runs the queue: asked until one has run.)
    const monitor = getRuntime(payload).monitor!
    const prunes = () =>
      payload.find({
        collection: 'payload-jobs',
        where: { taskSlug: { equals: pruneEventsTaskSlug } },
      })
    await eventually(async () => {
      await monitor.runChecksQueue()
      expect((await prunes()).docs).toHaveLength(1)
    })
    await monitor.runChecksQueue()
    const queued = await prunes()
    expect(queued.docs).toHaveLength(1)
    expect(queued.docs[0]).toMatchObject({ queue: 'supabase-sync-checks' })
    expect(new Date(String(queued.docs[0].waitUntil)).getUTCMinutes()).toBe(7)

    // When it runs (here: made due now), the old ones go and the recent one stays.
    await payload.update({
      collection: 'payload-jobs',
      id: queued.docs[0].id,
      data: { waitUntil: new Date(Date.now() - 1000).toISOString() },
    })
    await eventually(async () => {
      await monitor.runChecksQueue()
      expect(await summaries()).toEqual(['recent'])
    })
    expect(app.logs.lines.some((l) => l.op === 'prune' && l.deleted === 2)).toBe(true)
  })
})
