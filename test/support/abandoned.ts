/**
 * Writes the plugin gave up on that commit later (test/abandoned-writes*.test.ts): the write reaches
 * Supabase and waits there — in its statement in the database (statement-gate.ts), or queued in
 * PostgREST for a connection (the stand-in's hold) — past the plugin's timeout; the plugin tries
 * again and the retry lands; then, after whatever else the scenario does, the first write goes on —
 * as PostgREST lets it, never cancelling a request whose client left. Whatever it does then, Supabase
 * must end as the mapper makes the latest documents.
 */
import { expect } from 'vitest'
import { getRuntime, syncedCollection } from '../../src/lifecycle/registry.js'
import { compareNow, dealerData, eventually, settled, type TestApp } from './app.js'
import type { StatementGate } from './statement-gate.js'

/** Supabase holds what the mapper makes of these documents as they are now: no row missing, extra or different. */
export async function expectConverged(app: TestApp, ids: string[]): Promise<void> {
  const summary = await compareNow(app.payload, 'dealers', ids)
  expect(summary.diff).toMatchObject({ missing: [], extra: [], changed: [] })
  expect(summary.failed).toEqual([])
}

async function rowName(app: TestApp, id: string): Promise<unknown> {
  return (await app.rows()).get(id)?.name
}

/**
 * (a) A batch of three documents, delivered in one write: that write waits in the database past the
 * plugin's timeout, the plugin's retry writes the batch, and the first write commits after it.
 */
export async function batchRetriedThenLate(app: TestApp, gate: StatementGate): Promise<string[]> {
  const docs = []
  // Saved without their jobs: the test delivers them itself, in one batch.
  for (let i = 0; i < 3; i++)
    docs.push(
      await app.payload.create({
        collection: 'dealers',
        data: dealerData(),
        context: { skipSupabaseSync: true },
      }),
    )
  const ids = docs.map((d) => String(d.id))
  const runtime = getRuntime(app.payload)
  await gate.arm()
  const delivering = runtime.delivery.deliver(syncedCollection(runtime), ids)
  await gate.entered()
  const report = await delivering
  expect([...report.outcomes.values()].map((o) => o.outcome)).toEqual([
    'written',
    'written',
    'written',
  ])
  // Tried again: the first write never answered.
  expect(report.requests).toBeGreaterThanOrEqual(2)
  for (const doc of docs) expect(await rowName(app, String(doc.id))).toBe(doc.name)
  await gate.openAndWait()
  return ids
}

/**
 * (b) A save whose write waits in the database past the plugin's timeout; the retry lands; a newer
 * save of the same document is delivered; then the first, older write goes on.
 */
export async function olderWriteAfterNewerSave(
  app: TestApp,
  gate: StatementGate,
): Promise<string[]> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
  const id = String(doc.id)
  await gate.arm()
  await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'older save' } })
  await gate.entered()
  await eventually(async () => expect(await rowName(app, id)).toBe('older save'))
  await settled(app)
  await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'newer save' } })
  await eventually(async () => expect(await rowName(app, id)).toBe('newer save'))
  await settled(app)
  await gate.openAndWait()
  return [id]
}

/**
 * (c) A delete that waits in PostgREST for a database connection (held in the stand-in before any SQL:
 * PostgREST queues a request for up to db-pool-acquisition-timeout, 10 s) past the plugin's timeout;
 * the retry deletes the row; the document is created again with the same id and delivered; then the
 * first delete runs. Not held inside its statement as (a) and (b): a DELETE already running reads
 * the rows of its snapshot, taken before the document came back, and could not delete the new row
 * whatever the plugin does; one that starts late can.
 */
export async function deleteAfterRecreate(
  app: TestApp,
  request: { path: string; method: string },
): Promise<string[]> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
  const id = String(doc.id)
  const queued = app.stack.faults.hold(request)
  await app.payload.delete({ collection: 'dealers', id: doc.id })
  await queued.arrived
  await eventually(async () => expect((await app.rows()).has(id)).toBe(false))
  await settled(app)
  // Payload takes the id of a create only when its adapter allows it (allowIDOnCreate).
  const adapter = app.payload.db as unknown as { allowIDOnCreate?: boolean }
  adapter.allowIDOnCreate = true
  try {
    await app.payload.create({
      collection: 'dealers',
      data: dealerData({ id, name: 'created again' }),
    })
  } finally {
    adapter.allowIDOnCreate = false
  }
  await eventually(async () => expect(await rowName(app, id)).toBe('created again'))
  await settled(app)
  // The plugin gave up on it long ago; PostgREST runs it all the same.
  queued.release()
  await queued.handled
  return [id]
}
