/**
 * Under `onExternalChange: 'pull'`, edits made in Supabase while no instance of the app ran (a
 * deploy's downtime, a crash) are what the watch would have pulled had it been running. Before, the
 * startup reconcile wrote Payload's values over them — each recorded as a conflict, the edit gone from
 * Supabase and never in Payload. Now rows marked as edited around the plugin (sql/005) that differ
 * from their documents are pulled before the startup reconcile. Rows that differ without the mark
 * (the plugin's own writes: a mapper changed by the deploy, say) are no one's edit: reverted as before.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { whenIdle } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { documentKey } from '../src/queue/keys.js'
import { lockNamespace } from '../src/queue/locks.js'
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

/** Stops the running instance, runs `meanwhile` with none running, starts another; waits for its start. */
async function restart(
  meanwhile: () => Promise<unknown>,
  options: { syncOnInit?: boolean } = {},
): Promise<void> {
  await r.restart(meanwhile, { sync: { ...pulling, ...options } })
  await settled(r.current)
}

/** A row's domain written as the plugin's apply function writes (the mark trigger's cheap path): no mark. */
async function plainWrite(id: string, domain: string): Promise<void> {
  const client = await app.supabase.connect()
  try {
    await client.query('begin')
    await client.query(`set local supabase_sync.applying = 'on'`)
    await client.query(`update public.dealers set domain = $2 where id = $1`, [id, domain])
    await client.query('commit')
  } finally {
    client.release()
  }
}

it('an edit made in Supabase while no instance ran is taken into Payload at the next start, not written over', async () => {
  const dealer = await r.newDealer()
  await restart(() =>
    app.supabase.query(`update public.dealers set domain = 'while-down.example' where id = $1`, [
      dealer.id,
    ]),
  )
  await eventually(async () =>
    expect(await r.dealerNow(dealer.id)).toMatchObject({ domain: 'while-down.example' }),
  )
  await settled(r.current)
  expect((await app.rows()).get(dealer.id)).toMatchObject({ domain: 'while-down.example' })
  expect(await r.conflictsOf(dealer.id)).toEqual([])
  expect(
    (await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).map((c) => c.outcome),
  ).toEqual(['pulled'])
}, 120_000)

it('a column Payload cannot take, edited with one it can while no instance ran: the one pulled, the other written back', async () => {
  const dealer = await r.newDealer()
  await restart(() =>
    app.supabase.query(
      `update public.dealers set created_at = '2001-01-01T00:00:00Z', domain = 'taken.example' where id = $1`,
      [dealer.id],
    ),
  )
  await eventually(async () =>
    expect(await r.dealerNow(dealer.id)).toMatchObject({ domain: 'taken.example' }),
  )
  await settled(r.current)
  const row = (await app.rows()).get(dealer.id)!
  expect(row).toMatchObject({ domain: 'taken.example' })
  expect(new Date(String(row.created_at)).toISOString()).toBe(dealer.createdAt)
  expect(await r.dealerNow(dealer.id)).toMatchObject({ createdAt: dealer.createdAt })
  expect(
    (await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).map((c) => c.outcome),
  ).toEqual(['pulled'])
}, 120_000)

it("a row that differs without the mark (the plugin's own write: a mapper changed by a deploy) is no one's edit: reverted, nothing pulled", async () => {
  const dealer = await r.newDealer()
  await restart(async () => {
    await plainWrite(dealer.id, 'old-mapping.example')
  })
  await eventually(async () =>
    expect((await app.rows()).get(dealer.id)).toMatchObject({ domain: dealer.domain }),
  )
  expect(await r.dealerNow(dealer.id)).toMatchObject({ domain: dealer.domain })
  expect(await catchesOf({ ...app, payload: r.current.payload }, dealer.id)).toEqual([])
}, 120_000)

it('a save in Payload not yet delivered when the instance stopped wins over an edit made in Supabase meanwhile', async () => {
  const dealer = await r.newDealer()
  await app.stack.faults.down()
  await r.current.payload.update({
    collection: 'dealers',
    id: dealer.id,
    data: { name: 'saved in Payload' } as never,
  })
  await restart(async () => {
    await app.stack.faults.up()
    await app.supabase.query(`update public.dealers set domain = 'lost.example' where id = $1`, [
      dealer.id,
    ])
  })
  await eventually(async () =>
    expect((await app.rows()).get(dealer.id)).toMatchObject({
      name: 'saved in Payload',
      domain: dealer.domain,
    }),
  )
  expect(await r.dealerNow(dealer.id)).toMatchObject({
    name: 'saved in Payload',
    domain: dealer.domain,
  })
  // Payload wins, and what it replaced is recorded.
  await eventually(async () => expect(await r.conflictsOf(dealer.id)).toHaveLength(1))
}, 120_000)

it('with syncOnInit: false, the edits made while no instance ran are still pulled at the start (and nothing else is reconciled)', async () => {
  const edited = await r.newDealer()
  const unmarked = await r.newDealer()
  await restart(
    async () => {
      await app.supabase.query(
        `update public.dealers set domain = 'no-reconcile.example' where id = $1`,
        [edited.id],
      )
      await plainWrite(unmarked.id, 'stays.example')
    },
    { syncOnInit: false },
  )
  await eventually(async () =>
    expect(await r.dealerNow(edited.id)).toMatchObject({ domain: 'no-reconcile.example' }),
  )
  await settled(r.current)
  const rows = await app.rows()
  expect(rows.get(edited.id)).toMatchObject({ domain: 'no-reconcile.example' })
  // No reconcile: the plugin's own (unmarked) row is left as it is, and not pulled either.
  expect(rows.get(unmarked.id)).toMatchObject({ domain: 'stays.example' })
  expect(await r.dealerNow(unmarked.id)).toMatchObject({ domain: unmarked.domain })
  expect(await r.conflictsOf(edited.id)).toEqual([])
}, 120_000)

it('a row that stays busy (its document held by a delivery that does not end) keeps the startup reconcile waiting a few tries, not for ever: then Payload wins, recorded', async () => {
  const dealer = await r.newDealer()
  await r.current.payload.destroy()
  await app.supabase.query(`update public.dealers set domain = 'held.example' where id = $1`, [
    dealer.id,
  ])
  // The document's lock, held from outside as another instance's stuck delivery would hold it.
  const db = new pg.Client({ connectionString: app.stack.databaseUri })
  await db.connect()
  await db.query('begin')
  await db.query('select pg_advisory_xact_lock($1, hashtext($2))', [
    lockNamespace,
    documentKey('dealers', dealer.id),
  ])
  try {
    const next = await startPayload(app.stack, {
      sync: { ...pulling, queue: { backoff: 20, maxBackoff: 100 } },
    })
    r.current = { ...next, idle: () => whenIdle(next.payload) }
    // Before: the catch-up found the document busy on every try, and the reconcile never ran.
    await getRuntime(next.payload).initialSync
    const gaveUp = next.logs.find((l) => /could not be pulled in 5 tries/.test(String(l.msg)))
    expect(gaveUp).toHaveLength(1)
    expect(gaveUp[0].msg).toMatch(/the startup reconcile runs anyway/)
  } finally {
    await db.query('rollback')
    await db.end()
  }
  await eventually(async () =>
    expect((await app.rows()).get(dealer.id)).toMatchObject({ domain: dealer.domain }),
  )
  await settled(r.current)
  expect(await r.dealerNow(dealer.id)).toMatchObject({ domain: dealer.domain })
  await eventually(async () => expect(await r.conflictsOf(dealer.id)).toHaveLength(1))
}, 120_000)
