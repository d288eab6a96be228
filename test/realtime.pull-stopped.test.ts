/**
 * Under `onExternalChange: 'pull'`, a pull's save that writes a column back (`created_at`) leaves a
 * row edited in Supabase after the pull read it, for the watch to pull (src/queue/left-for-pull.ts).
 * A watch that has stopped (Payload shutting down) pulls nothing: such a row would be left for no one.
 * Forced by stopping the watch while the pull's read of the row is held, after a second edit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventually, settled, startApp, type TestApp } from './support/app.js'
import { newDealer, setPolicy, subscribed } from './support/realtime.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { realtime: true } })
  await app.idle()
  await eventually(() => subscribed(app), 20_000)
  setPolicy(app, 'pull')
})
afterAll(async () => {
  await app?.close()
})

it('pull with a column written back, the watch stopped before the delivery: the write-back is delivered as without the watch, recording the conflict — not left for no one to pull', async () => {
  const dealer = await newDealer(app)
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(
    `update public.dealers set name = 'edit one', created_at = '2001-01-01T00:00:00Z' where id = $1`,
    [dealer.id],
  )
  await hold.arrived
  await app.supabase.query(`update public.dealers set domain = 'edit-two.example' where id = $1`, [
    dealer.id,
  ])
  // The pull goes on (it holds the document's lock); nothing pulls after it.
  await getRuntime(app.payload).watch!.stop()
  hold.release()
  await eventually(async () =>
    expect(
      await app.payload.findByID({ collection: 'dealers', id: dealer.id, depth: 0 }),
    ).toMatchObject({ name: 'edit one' }),
  )
  await settled(app)
  // Before: the delivery left the row (edit two, created_at 2001) for a watch that pulls nothing more:
  // Supabase and Payload stayed apart, with no conflict and no catch saying so.
  const doc = await app.payload.findByID({ collection: 'dealers', id: dealer.id, depth: 0 })
  const row = (await app.rows()).get(dealer.id)
  expect(row).toMatchObject({ name: 'edit one', domain: doc.domain })
  expect(Date.parse(String(row?.created_at))).toBe(Date.parse(String(doc.createdAt)))
  expect(app.logs.find((l) => l.outcome === 'left')).toEqual([])
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'conflict' } },
    limit: 0,
    pagination: false,
  })
  const conflicts = docs.filter((d) => (d.ids as string[]).includes(dealer.id))
  expect(conflicts.map((c) => (c.fields as Record<string, string[]>)[dealer.id])).toEqual([
    ['domain', 'created_at'],
  ])
}, 60_000)
