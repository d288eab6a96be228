/**
 * The realtime watch while a document is being delivered (its lock held): the looks that find it busy
 * are retried with a growing backoff, and they are not reverts — the loop guard (a row Supabase
 * rewrites each time the plugin writes it) counts writes only, so a long delivery does not make an
 * edit made in Supabase meanwhile look like a loop.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { eventually, settled, startApp, type LogLine, type TestApp } from './support/app.js'
import { catchesOf, newDealer, setPolicy, subscribed } from './support/realtime.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { realtime: true } })
  await app.idle()
  await eventually(() => subscribed(app), 20_000)
})
afterAll(async () => {
  await app?.close()
})
beforeEach(async () => {
  setPolicy(app, 'revert')
  await app.idle()
})

function busyLooks(): LogLine[] {
  return app.logs.find((l) => l.op === 'realtime' && /being delivered/.test(String(l.msg)))
}

it('revert: an edit made while the document is delivered is reverted after the delivery, however often it was found busy', async () => {
  const dealer = await newDealer(app)
  // The delivery of a rename has written its row; its answer is held, so it keeps the lock.
  const hold = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', afterHandling: true })
  await app.payload.update({
    collection: 'dealers',
    id: dealer.id,
    data: { domain: 'payload.example' },
  })
  await hold.arrived
  app.logs.clear()
  await app.supabase.query(`update public.dealers set name = 'edited while busy' where id = $1`, [
    dealer.id,
  ])
  // Found busy more often than the loop guard allows reverts (3): before, the 4th look was taken for
  // a loop and the edit was left for good.
  await eventually(async () => expect(busyLooks().length).toBeGreaterThanOrEqual(5), 30_000)
  // The backoff grows while the document stays busy (it was 200 ms each time).
  const delays = busyLooks().map((l) => Number(l.retryInMs))
  expect(delays.slice(0, 4)).toEqual([200, 400, 800, 1600])
  hold.release()
  // Looked at again after the watch's backoff (3.2 s after the fifth busy look, 5 s after a sixth if
  // the delivery's booking is not done by then), then reverted by a delivery of its own: on a loaded
  // machine more than 15 s, as in test/realtime.plugin.test.ts's like case.
  await eventually(
    async () => expect((await app.rows()).get(dealer.id)?.name).toBe(dealer.name),
    30_000,
  )
  await settled(app)
  const caught = await eventually(async () => {
    const found = await catchesOf(app, dealer.id)
    expect(found.some((c) => c.outcome === 'reverted')).toBe(true)
    return found
  })
  expect(caught.filter((c) => c.outcome === 'skipped')).toEqual([])
  expect((await app.rows()).get(dealer.id)).toMatchObject({
    name: dealer.name,
    domain: 'payload.example',
  })
})
