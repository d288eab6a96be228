/**
 * The startup catch-up of the 'pull' policy (RealtimeWatch.catchUp) against what can happen while it
 * runs. Each test stops the instance, edits a row in Supabase with none running, and starts another
 * on the same stack, forcing an interleaving with the stand-in's faults. Before: a pull that failed
 * for a passing reason was left to the watch's later look, and the startup reconcile, run at once,
 * wrote Payload's values over the edit (a conflict recorded; the edit in neither side).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dealerMapper, whenIdle } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { foreignVersion } from '../src/supabase/spec.js'
import { eventually, settled, startApp, startPayload, type TestApp } from './support/app.js'
import { pulling, Restarts } from './support/pull-startup.js'
import { catchesOf } from './support/realtime.js'

let app: TestApp
let r: Restarts

beforeAll(async () => {
  app = await startApp({ sync: pulling })
  r = new Restarts(app)
})
afterAll(async () => {
  await r?.close()
})

it("Supabase failing on the catch-up's pull: the startup reconcile does not write over the edit, which is pulled", async () => {
  const dealer = await r.newDealer()
  // The start's reads of dealers: the marked rows, their documents' rows, the pull's read, then the
  // reconcile's. The second is answered once the next four (the pull's, its retries) are set to fail.
  const marked = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
  const started = r.restart(() =>
    app.supabase.query(`update public.dealers set domain = 'while-down.example' where id = $1`, [
      dealer.id,
    ]),
  )
  await marked.arrived
  const states = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  marked.release()
  await states.arrived
  app.stack.faults.failNext(4, 503, { path: 'dealers' })
  states.release()
  await started
  // A wait for the pull, said as such: not a failed startup reconcile.
  expect(
    r.current.logs.find((l) => /not pulled yet; the startup reconcile waits/.test(l.msg)),
  ).not.toEqual([])
  expect(r.current.logs.find((l) => l.op === 'reconcile' && l.level >= 50)).toEqual([])
  await eventually(async () =>
    expect(await r.dealerNow(dealer.id)).toMatchObject({ domain: 'while-down.example' }),
  )
  await settled(r.current)
  expect((await app.rows()).get(dealer.id)).toMatchObject({ domain: 'while-down.example' })
  expect(await r.conflictsOf(dealer.id)).toEqual([])
  expect(
    (await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).map((c) => c.outcome),
  ).toEqual(['pulled'])
}, 60_000)

it("an editor's save while the catch-up reads the row's document: Payload's save wins, the edit it replaced recorded", async () => {
  const dealer = await r.newDealer()
  const marked = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
  const started = r.restart(() =>
    app.supabase.query(`update public.dealers set domain = 'edited.example' where id = $1`, [
      dealer.id,
    ]),
  )
  await marked.arrived
  // The documents' read has seen the edit (the row differs); its answer waits for the save.
  const states = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  marked.release()
  await states.arrived
  await r.current.payload.update({
    collection: 'dealers',
    id: dealer.id,
    data: { name: 'saved meanwhile' } as never,
  })
  await eventually(async () =>
    expect((await app.rows()).get(dealer.id)).toMatchObject({ name: 'saved meanwhile' }),
  )
  states.release()
  await started
  await settled(r.current)
  const want = { name: 'saved meanwhile', domain: dealer.domain }
  expect(await r.dealerNow(dealer.id)).toMatchObject(want)
  expect((await app.rows()).get(dealer.id)).toMatchObject(want)
  expect(await r.conflictsOf(dealer.id)).toHaveLength(1)
  // Nothing pulled, and no catch that says the row was left unhandled.
  expect(await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).toEqual([])
}, 60_000)

it('an instance starting while another pulls the same edit (its live event): pulled once, the reconcile after it', async () => {
  const dealer = await r.newDealer()
  await r.current.idle()
  const a = r.current
  // A's pull of the edit reads the row and waits: it holds the document's lock meanwhile.
  const pullA = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(`update public.dealers set domain = 'both.example' where id = $1`, [
    dealer.id,
  ])
  await pullA.arrived
  const b = await startPayload(app.stack, { sync: pulling })
  r.current = { ...b, idle: () => whenIdle(b.payload) }
  // B's catch-up finds the document busy (A's pull).
  await eventually(async () =>
    expect(b.logs.raw.some((l) => /being delivered|not pulled yet/.test(l))).toBe(true),
  )
  pullA.release()
  await getRuntime(b.payload).initialSync
  await settled(a)
  await settled(r.current)
  await a.payload.destroy()
  const want = { domain: 'both.example' }
  expect(await r.dealerNow(dealer.id)).toMatchObject(want)
  expect((await app.rows()).get(dealer.id)).toMatchObject(want)
  expect(await r.conflictsOf(dealer.id)).toEqual([])
  expect(
    (await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).map((c) => c.outcome),
  ).toEqual(['pulled'])
}, 60_000)

it('many rows edited while no instance ran: the catch-up takes them a page of marked rows at a time, all pulled', async () => {
  const dealers: string[] = []
  for (let i = 0; i < 23; i++) dealers.push((await r.newDealer()).id)
  await r.restart(
    () =>
      app.supabase.query(
        `update public.dealers set name = 'bulk ' || left(id::text, 8) where id = any($1::uuid[])`,
        [dealers],
      ),
    { sync: { ...pulling, maxRows: 10 } },
  )
  await settled(r.current)
  for (const id of dealers)
    expect(await r.dealerNow(id)).toMatchObject({ name: `bulk ${id.slice(0, 8)}` })
  const pages = r.current.logs
    .find((l) => /edited in Supabase while no instance watched/.test(l.msg))
    .map((l) => Number(/^\S+: (\d+) row/.exec(l.msg)?.[1]))
  // The documents of one page of the marked rows read at a time, never all of them at once.
  expect(pages.length).toBeGreaterThan(1)
  expect(Math.max(...pages)).toBeLessThanOrEqual(10)
  expect(pages.reduce((a, b) => a + b, 0)).toBe(dealers.length)
  for (const id of dealers)
    expect(
      (await catchesOf({ ...app, payload: r.current.payload }, id)).map((c) => c.outcome),
    ).toEqual(['pulled'])
}, 60_000)

it("a marked row Payload refuses (a blank name) is reverted at the start, the catch says why; one whose document's delete is pending is not pulled, the delete wins", async () => {
  const blank = await r.newDealer()
  const deleted = await r.newDealer()
  await app.stack.faults.down()
  await r.current.payload.delete({ collection: 'dealers', id: deleted.id })
  await r.restart(async () => {
    await app.stack.faults.up()
    await app.supabase.query(`update public.dealers set name = '' where id = $1`, [blank.id])
    await app.supabase.query(`update public.dealers set name = 'kept?' where id = $1`, [deleted.id])
  })
  await settled(r.current)
  const rows = await app.rows()
  expect(rows.get(blank.id)).toMatchObject({ name: blank.name })
  expect(await r.dealerNow(blank.id)).toMatchObject({ name: blank.name })
  const caught = await catchesOf({ ...app, payload: r.current.payload }, blank.id)
  expect(caught).toMatchObject([{ outcome: 'reverted', reason: expect.stringContaining('name') }])
  expect(rows.has(deleted.id)).toBe(false)
  expect(await catchesOf({ ...app, payload: r.current.payload }, deleted.id)).toEqual([])
}, 60_000)

it('a row pulled whole keeps the mark of its direct edit: after a deploy that changes the mapper it is no edit, not pulled again', async () => {
  const dealer = await r.newDealer()
  await eventually(async () =>
    expect(getRuntime(r.current.payload).watch?.status().dealers?.status).toBe('subscribed'),
  )
  await app.supabase.query(`update public.dealers set name = 'Edited Name' where id = $1`, [
    dealer.id,
  ])
  await eventually(async () =>
    expect(await r.dealerNow(dealer.id)).toMatchObject({ name: 'Edited Name' }),
  )
  await settled(r.current)
  const pulled = await r.dealerNow(dealer.id)
  // Taken whole: not written back, so the row still carries the mark.
  expect((await app.rows()).get(dealer.id)).toMatchObject({ sync_version: Number(foreignVersion) })
  expect((await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).length).toBe(1)
  // The deploy's mapper writes names in upper case.
  const upperNames = {
    ...dealerMapper,
    toRow: (doc: Parameters<typeof dealerMapper.toRow>[0]) => {
      const row = dealerMapper.toRow(doc)
      return row && { ...row, name: row.name.toUpperCase() }
    },
  }
  await r.restart(async () => {}, {
    sync: {
      ...pulling,
      collections: { dealers: { ...pulling.collections.dealers, mapper: upperNames as never } },
    },
  })
  await settled(r.current)
  expect((await app.rows()).get(dealer.id)).toMatchObject({ name: 'EDITED NAME' })
  expect(await r.dealerNow(dealer.id)).toMatchObject({
    name: 'Edited Name',
    updatedAt: pulled.updatedAt,
  })
  // Only the catch of the edit itself: nothing pulled, skipped or reverted at the start.
  expect((await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).length).toBe(1)
}, 60_000)
