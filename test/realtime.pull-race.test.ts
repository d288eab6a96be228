/**
 * Under `onExternalChange: 'pull'`, an edit made in Supabase after the pull of an earlier edit read
 * the row, before the pull's save is delivered back. Forced by answering the pull's read of the row
 * only after the second edit (the pull holds the document's lock meanwhile, so the watch finds the
 * document busy). Before: the pull saved the first edit, its save's delivery wrote the first edit's row
 * over the second, and the second edit's event, looked at again, found the row as delivered — the
 * newest edit in Supabase vanished from both sides, with no catch. A row taken whole is not written
 * again now (src/hooks/pulled-row.ts): the second edit stays, and is pulled in turn.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
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

it('pull: an edit made in Supabase after the pull read the row, before its save is delivered back, is pulled too — not overwritten', async () => {
  const dealer = await newDealer(app)
  // The pull's read of the row (edit #1) is answered only on release: it holds the document's lock.
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(`update public.dealers set name = 'edit one' where id = $1`, [dealer.id])
  await hold.arrived
  app.logs.clear()
  // Edit #2, after the pull read the row: its event finds the document busy (the pull's lock).
  await app.supabase.query(`update public.dealers set domain = 'edit-two.example' where id = $1`, [
    dealer.id,
  ])
  await eventually(async () =>
    expect(
      app.logs.find((l) => l.op === 'realtime' && /being delivered/.test(String(l.msg))),
    ).not.toHaveLength(0),
  )
  hold.release()
  // Before: the pull saved edit #1, and its save's delivery wrote edit #1's row over edit #2; edit
  // #2's event, looked at again, found the row as delivered: nothing to pull, edit #2 gone from both.
  await eventually(async () => {
    expect(await payloadDealer(dealer.id)).toMatchObject({
      name: 'edit one',
      domain: 'edit-two.example',
    })
  }, 30_000)
  await settled(app)
  expect((await app.rows()).get(dealer.id)).toMatchObject({
    name: 'edit one',
    domain: 'edit-two.example',
  })
  const caught = await eventually(async () => {
    const found = await catchesOf(app, dealer.id)
    expect(found.filter((c) => c.outcome === 'pulled')).toHaveLength(2)
    return found
  })
  expect(caught.filter((c) => c.outcome !== 'pulled')).toEqual([])
}, 90_000)

it('pull: two more edits made while the first is pulled both land, the latest value winning', async () => {
  const dealer = await newDealer(app)
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
  await app.supabase.query(`update public.dealers set name = 'edit one' where id = $1`, [dealer.id])
  await hold.arrived
  await app.supabase.query(`update public.dealers set domain = 'edit-two.example' where id = $1`, [
    dealer.id,
  ])
  await app.supabase.query(
    `update public.dealers set domain = 'edit-three.example', name = 'edit three' where id = $1`,
    [dealer.id],
  )
  hold.release()
  const want = { name: 'edit three', domain: 'edit-three.example' }
  await eventually(async () => expect(await payloadDealer(dealer.id)).toMatchObject(want), 30_000)
  await settled(app)
  expect((await app.rows()).get(dealer.id)).toMatchObject(want)
  const caught = await eventually(async () => {
    const found = await catchesOf(app, dealer.id)
    expect(found.filter((c) => c.outcome === 'pulled').length).toBeGreaterThanOrEqual(2)
    return found
  })
  expect(caught.filter((c) => c.outcome !== 'pulled')).toEqual([])
}, 90_000)

/**
 * The later change's event has found the document busy (the pull's lock) five times: its next look
 * comes 3.2 s after the last (the look queue's backoff doubles from 0.2 s), so the pull, released
 * right after, commits and its write-back takes the lock before the watch can look again — else the
 * watch could take the later change between the two, and nothing would be left to show.
 */
async function busyAWhile(): Promise<void> {
  await eventually(
    async () =>
      expect(
        app.logs.find((l) => l.op === 'realtime' && /being delivered/.test(String(l.msg))).length,
      ).toBeGreaterThanOrEqual(5),
    20_000,
  )
}

/** From the plugin's own metrics registry: lags observed, documents written and left (dealers). */
async function metrics(): Promise<{ lags: number; written: number; left: number }> {
  const text = await getRuntime(app.payload).metrics.registry.metrics()
  const value = (line: string) =>
    Number(text.match(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm'))?.[1] ?? 0)
  return {
    lags: value('supabase_sync_lag_seconds_count{collection="dealers"}'),
    written: value('supabase_sync_deliveries_total{collection="dealers",outcome="written"}'),
    left: value('supabase_sync_deliveries_total{collection="dealers",outcome="left"}'),
  }
}

async function conflictsOf(id: string) {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'conflict' } },
    limit: 0,
    pagination: false,
  })
  return docs.filter((d) => (d.ids as string[]).includes(id)) as unknown as Array<{
    fields: Record<string, string[]>
    details: { conflicts: Array<{ fields: unknown[] }> }
  }>
}

it('pull with a column written back, nothing edited meanwhile: the catch says what was pulled, the conflict what was written back', async () => {
  const dealer = await newDealer(app)
  await app.supabase.query(
    `update public.dealers set name = 'taken', created_at = '2001-01-01T00:00:00Z' where id = $1`,
    [dealer.id],
  )
  await eventually(async () =>
    expect(Date.parse(String((await app.rows()).get(dealer.id)?.created_at))).not.toBe(
      Date.parse('2001-01-01T00:00:00Z'),
    ),
  )
  await settled(app)
  expect((await app.rows()).get(dealer.id)?.name).toBe('taken')
  expect(await catchesOf(app, dealer.id)).toEqual([
    expect.objectContaining({ outcome: 'pulled', fields: [{ field: 'name', supabase: 'taken' }] }),
  ])
  // The pull's save wrote Payload's created_at back over the edited row: before, nothing said so.
  const conflicts = await conflictsOf(dealer.id)
  expect(conflicts.map((c) => c.fields[dealer.id])).toEqual([['created_at']])
})

/**
 * A pull that must write something back (a column Payload does not take, here `created_at`), and an
 * edit made in Supabase after the pull read the row. Before: the pull's save was delivered, and the
 * delivery wrote the whole row as Payload holds it over that edit — recorded as a conflict, but gone
 * from both sides, though no one edited the dealer in Payload. Now the delivery finds the row edited
 * since the pull read it and leaves it (src/queue/left-for-pull.ts); the watch pulls the later edit,
 * and that pull's save writes `created_at` back.
 */
it('pull with a column written back: an edit made meanwhile is not written over — it is pulled too', async () => {
  const dealer = await newDealer(app)
  const before = await metrics()
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
  await busyAWhile()
  hold.release()
  await eventually(async () => {
    expect(await payloadDealer(dealer.id)).toMatchObject({
      name: 'edit one',
      domain: 'edit-two.example',
    })
    expect(Date.parse(String((await app.rows()).get(dealer.id)?.created_at))).not.toBe(
      Date.parse('2001-01-01T00:00:00Z'),
    )
  }, 30_000)
  await settled(app)
  const payloadCreated = (await payloadDealer(dealer.id)).createdAt
  expect((await app.rows()).get(dealer.id)).toMatchObject({
    name: 'edit one',
    domain: 'edit-two.example',
  })
  expect(Date.parse(String((await app.rows()).get(dealer.id)?.created_at))).toBe(
    Date.parse(String(payloadCreated)),
  )
  // What was written back is recorded (created_at), and only that: the later edit was not replaced.
  const conflicts = await conflictsOf(dealer.id)
  expect(conflicts.length).toBeGreaterThan(0)
  for (const conflict of conflicts) expect(conflict.fields[dealer.id]).toEqual(['created_at'])
  const left = app.logs.find(
    (l) => l.outcome === 'left' && (l.ids as string[] | undefined)?.includes(dealer.id) === true,
  )
  expect(left).not.toHaveLength(0)
  // The lag counts what reached Supabase: the row left (nothing written) is not among them.
  const after = await metrics()
  expect(after.left - before.left).toBeGreaterThan(0)
  expect(after.lags - before.lags).toBe(after.written - before.written)
}, 90_000)

/**
 * The same, the row deleted in Supabase after the pull read it. Before: the delivery's upsert
 * inserted it again (the version guard keeps only rows that are there) — the delete undone, with no
 * conflict, and no catch once the watch looked after the delivery (the row back as Payload holds
 * it). Now it is left like an edited row; the watch's look finds no row, and records that as any
 * delete under 'pull': not handled.
 */
it('pull with a column written back: a delete made meanwhile is not undone — left, and recorded as not handled', async () => {
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
  hold.release()
  await eventually(async () =>
    expect(await payloadDealer(dealer.id)).toMatchObject({ name: 'edit one' }),
  )
  await settled(app)
  await eventually(async () => {
    const skipped = (await catchesOf(app, dealer.id)).filter((c) => c.outcome === 'skipped')
    expect(skipped.map((c) => c.reason)).toContain('no row in Supabase')
  })
  await settled(app)
  expect((await app.rows()).has(dealer.id)).toBe(false)
  expect(await conflictsOf(dealer.id)).toEqual([])
  // The watch's look at the row left, which found no row to pull, says it was a re-check; before,
  // it was labelled as found by the check after a gap in the stream (there was none).
  const rechecked = await eventually(async () => {
    const events = (await catchEvents(app, dealer.id)).filter((e) =>
      e.details.catches.some((c) => c.id === dealer.id && c.change === 'recheck'),
    )
    expect(events).not.toHaveLength(0)
    return events
  })
  expect(rechecked[0]).toMatchObject({
    outcome: 'refused',
    summary: expect.stringMatching(/\(1 recheck\): not handled — no row in Supabase$/),
  })
  expect((await catchesOf(app, dealer.id)).filter((c) => c.change === 'gap')).toEqual([])
}, 90_000)
