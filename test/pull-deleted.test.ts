/**
 * A document deleted in Payload while a pull of it runs. Forced: the pull's read of the row is held
 * in the stand-in until the pull has read the document (an afterRead hook of the test says when),
 * the document is deleted meanwhile, then the read is answered. Before: Payload's update answered
 * "Not Found", and the pull counted the document as failed (the command exited 1, the Sync event said
 * failed); the realtime `'pull'` policy took it for a row Payload refuses. Now it is skipped, saying
 * why, and its row goes with the delete's own delivery.
 */
import type { CollectionAfterReadHook, CollectionConfig } from 'payload'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { pullFromSupabase } from '../src/index.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'
import { catchesOf, setPolicy, subscribed } from './support/realtime.js'

let app: TestApp
/** How many times each dealer has been read through Payload (by anyone: the pull, the watch, the runner). */
const reads = new Map<string, number>()

const countReads: CollectionAfterReadHook = ({ doc }) => {
  const id = String((doc as { id: unknown }).id)
  reads.set(id, (reads.get(id) ?? 0) + 1)
  return doc
}

beforeAll(async () => {
  app = await startApp({
    sync: { realtime: true },
    extend: (config) => ({
      ...config,
      collections: (config.collections ?? []).map((c): CollectionConfig =>
        c.slug === 'dealers'
          ? { ...c, hooks: { ...c.hooks, afterRead: [...(c.hooks?.afterRead ?? []), countReads] } }
          : c,
      ),
    }),
  })
  await app.idle()
  await eventually(() => subscribed(app), 20_000)
})
afterAll(async () => {
  await app?.close()
})

async function newDealer(): Promise<string> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() as never })
  const id = String(doc.id)
  await settled(app)
  await eventually(async () => expect((await app.rows()).has(id)).toBe(true))
  return id
}

/**
 * Holds the next read of a row in Supabase (the pull's); resolves once it is held and the document
 * has been read through Payload since `from` reads: the pull has its document, not yet its row.
 */
async function holdPullRead<T>(id: string, run: () => Promise<T>) {
  const from = reads.get(id) ?? 0
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  const running = run()
  await hold.arrived
  await eventually(async () => expect(reads.get(id) ?? 0).toBeGreaterThan(from))
  return { hold, running }
}

async function pullEvents(id: string): Promise<Array<{ outcome: string }>> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'pull' } },
    limit: 100,
    overrideAccess: true,
  })
  return (docs as unknown as Array<{ outcome: string; ids?: string[] }>).filter((d) =>
    (d.ids ?? []).includes(id),
  )
}

it('pullFromSupabase: a document deleted while it is pulled is skipped, not failed; its row goes', async () => {
  setPolicy(app, 'record')
  const id = await newDealer()
  await app.supabase.query(`update public.dealers set name = 'edited in Supabase' where id = $1`, [
    id,
  ])
  // The watch records the edit first (it reads the row too): the hold below is the pull's read.
  await eventually(async () =>
    expect((await catchesOf(app, id)).map((c) => c.outcome)).toContain('recorded'),
  )
  await app.idle()
  const { hold, running } = await holdPullRead(id, () =>
    pullFromSupabase(app.payload, { ids: [id] }),
  )
  await app.payload.delete({ collection: 'dealers', id })
  hold.release()
  const result = await running
  // Before: failed, with Payload's "Not Found".
  expect(result.failed).toEqual([])
  expect(result.pulled).toEqual([])
  expect(result.skipped).toEqual([
    { id, reason: expect.stringMatching(/deleted in Payload while it was pulled/), deleted: true },
  ])
  expect((await pullEvents(id)).map((e) => e.outcome)).toEqual(['refused'])
  await settled(app)
  expect((await app.rows()).has(id)).toBe(false)
  expect(
    app.logs.find((l) => l.level >= 50 && String(l.msg).includes(id) && /pull/.test(String(l.msg))),
  ).toEqual([])
}, 90_000)

it("the 'pull' policy: a document deleted while its change is pulled is skipped once, not failed or retried; its row goes", async () => {
  setPolicy(app, 'pull')
  const id = await newDealer()
  const { hold } = await holdPullRead(id, () =>
    app.supabase.query(`update public.dealers set name = 'edited in Supabase' where id = $1`, [id]),
  )
  await app.payload.delete({ collection: 'dealers', id })
  hold.release()
  const caught = await eventually(async () => {
    const found = await catchesOf(app, id)
    expect(found).not.toEqual([])
    return found
  }, 30_000)
  await settled(app)
  expect((await app.rows()).has(id)).toBe(false)
  // Before: a failure Payload refuses ("Not Found"), reverted — not what happened to the change.
  expect(caught).toEqual([
    expect.objectContaining({
      outcome: 'skipped',
      reason: expect.stringMatching(/deleted in Payload while it was pulled/),
    }),
  ])
  expect((await pullEvents(id)).map((e) => e.outcome)).toEqual(['refused'])
  // Not looked at again: the watch holds nothing back for it.
  expect(
    app.logs.find(
      (l) => l.op === 'realtime' && ((l.ids as string[] | undefined) ?? []).includes(id),
    ),
  ).toEqual([])
}, 90_000)
