/**
 * Under `onExternalChange: 'pull'`, the rows a pull's save leaves for the watch (edited or deleted in
 * Supabase after the pull read them, src/queue/left-for-pull.ts): what leaving one costs, and what
 * the watch's re-check of it says when it fails. The pull's read of the row is answered only after
 * the later edit, as in test/realtime.pull-race.test.ts.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { eventually, settled, startApp, type TestApp } from './support/app.js'
import { catchEvents, catchesOf, newDealer, setPolicy, subscribed } from './support/realtime.js'

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
  setPolicy(app, 'pull')
  await app.idle()
})

async function payloadDealer(id: string): Promise<Record<string, unknown>> {
  return (await app.payload.findByID({ collection: 'dealers', id, depth: 0 })) as never
}

/** The watch's lines saying a change found its document busy (the pull's lock). */
const busyLines = () =>
  app.logs.find((l) => l.op === 'realtime' && /being delivered/.test(String(l.msg)))

/**
 * The later edit's event has found the document busy five times: its next look comes 3.2 s after the
 * last (the look queue's backoff doubles from 0.2 s), so the pull's commit, released right after,
 * is followed by the write-back's read of the row, not by the watch taking the lock in between and
 * pulling the later edit first (which the holds below would then hold instead).
 */
async function busyAWhile(): Promise<void> {
  await eventually(async () => expect(busyLines().length).toBeGreaterThanOrEqual(5), 20_000)
}

/** The lines saying the row was left for the watch. */
const leftLines = (id: string) =>
  app.logs.find(
    (l) => l.outcome === 'left' && (l.ids as string[] | undefined)?.includes(id) === true,
  )

/**
 * An edit made in Supabase after the pull read the row, seen by the read the write-back makes first
 * (for rows deleted since): the row carries the mark of a direct write (sql/005) in a state no pull
 * read. Before, the row was still written at the version guard (a write that changed nothing: the
 * guard kept the row) and read a second time before it was left. Now that first read leaves it:
 * with every write of the table and every read after that one held, the row is left all the same.
 */
it('pull with a column written back: the row read before the write-back, marked and edited since, is left with that one read — no write, no second read', async () => {
  const dealer = await newDealer(app)
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(
    `update public.dealers set name = 'edit one', created_at = '2001-01-01T00:00:00Z' where id = $1`,
    [dealer.id],
  )
  await hold.arrived
  app.logs.clear()
  await app.supabase.query(`update public.dealers set domain = 'edit-two.example' where id = $1`, [
    dealer.id,
  ])
  // Its event found the document busy (the pull's lock): the next read of the row is the
  // write-back's, not the watch's pull of that edit.
  await busyAWhile()
  const writes = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', count: 1_000 })
  const preRead = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  hold.release()
  await preRead.arrived
  const laterReads = app.stack.faults.hold({ path: 'dealers', method: 'GET', count: 1_000 })
  app.stack.resetStats()
  preRead.release()
  try {
    await eventually(async () => expect(leftLines(dealer.id)).toHaveLength(1), 15_000)
    // Nothing served since that read: no write made (none waits either), no read.
    expect(app.stack.stats().total).toBe(0)
    expect(writes.held()).toBe(0)
  } finally {
    laterReads.release()
    writes.release()
  }
  // The watch pulls the later edit, and that pull's save writes created_at back.
  await eventually(async () => {
    expect(await payloadDealer(dealer.id)).toMatchObject({ domain: 'edit-two.example' })
    expect(Date.parse(String((await app.rows()).get(dealer.id)?.created_at))).not.toBe(
      Date.parse('2001-01-01T00:00:00Z'),
    )
  }, 30_000)
  await settled(app)
  expect((await app.rows()).get(dealer.id)).toMatchObject({
    name: 'edit one',
    domain: 'edit-two.example',
  })
}, 90_000)

/**
 * The row deleted after the pull read it, and the watch's re-check of the row left failing: its read
 * fails (every attempt), so it is looked at again, and then finds no row to pull. Before, the catch
 * it recorded said `gap` — the label of the check after a gap in the stream, which never ran — so
 * the Sync event read "1 gap". Now the re-check keeps its reason through the retry and says so.
 */
it('pull: the re-check of a row left, its read failing, is tried again and recorded as a re-check — not as a gap', async () => {
  const dealer = await newDealer(app)
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(
    `update public.dealers set name = 'edit one', created_at = '2001-01-01T00:00:00Z' where id = $1`,
    [dealer.id],
  )
  await hold.arrived
  app.logs.clear()
  await app.supabase.query(`delete from public.dealers where id = $1`, [dealer.id])
  await busyAWhile()
  // The write-back's read of the row: answered once the reads after it are set to fail.
  const preRead = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  hold.release()
  await preRead.arrived
  app.stack.resetStats()
  // The re-check's read fails, every in-process attempt of it (retries: 3).
  app.stack.faults.failNext(4, 503, { path: 'dealers' })
  preRead.release()
  await eventually(async () => expect(leftLines(dealer.id)).toHaveLength(1))
  const rechecked = await eventually(async () => {
    const events = (await catchEvents(app, dealer.id)).filter((e) =>
      e.details.catches.some((c) => c.id === dealer.id && c.change === 'recheck'),
    )
    expect(events).not.toHaveLength(0)
    return events
  }, 20_000)
  expect(app.stack.stats().faulted).toBe(4)
  expect(rechecked[0]).toMatchObject({
    outcome: 'refused',
    summary: expect.stringMatching(/\(1 recheck\): not handled — no row in Supabase$/),
  })
  await settled(app)
  expect((await catchesOf(app, dealer.id)).filter((c) => c.change === 'gap')).toEqual([])
  expect((await app.rows()).has(dealer.id)).toBe(false)
  expect(await payloadDealer(dealer.id)).toMatchObject({ name: 'edit one' })
}, 90_000)
