/**
 * The check after a reconnect judges rows without documents against the table as it will be once the
 * deliveries still pending land — the documents saved while Supabase was away — not as it is when
 * Supabase comes back. Those deliveries are held here (their documents' locks are taken) until the
 * check has judged, so the order the old code lost is forced: a nearly empty table's one row without
 * a document was "all of the table" then, and left until some later startup reconcile. The
 * mass-delete guard still refuses a real mass deletion (more rows without documents than documents;
 * a wiped Payload database) and records it.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { documentKey } from '../src/queue/keys.js'
import { lockNamespace } from '../src/queue/locks.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'
import { catchEvents, catchesOf, subscribed } from './support/realtime.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { realtime: true } })
  await app.idle()
  await eventually(() => subscribed(app), 20_000)
})
afterAll(async () => {
  await app?.close()
})

/** Inserts rows without documents in Supabase directly (one statement): their ids. */
async function insertOrphans(count: number, tag: string): Promise<string[]> {
  const ids = Array.from({ length: count }, () => crypto.randomUUID())
  await app.supabase.query(
    `insert into public.dealers (id, name, slug, created_at)
     select id, $2, $2 || '-' || id, now() from unnest($1::uuid[]) as id`,
    [ids, tag],
  )
  return ids
}

async function present(ids: string[]): Promise<number> {
  const { rows } = await app.supabase.query<{ n: string }>(
    `select count(*)::text as n from public.dealers where id = any($1::uuid[])`,
    [ids],
  )
  return Number(rows[0].n)
}

/** Holds a document's delivery lock, as a delivery elsewhere would: its row waits until release. */
async function lockDocument(id: string): Promise<{ release(): Promise<void> }> {
  const db = new pg.Client({ connectionString: app.stack.databaseUri })
  await db.connect()
  await db.query('begin')
  await db.query('select pg_advisory_xact_lock($1, hashtext($2))', [
    lockNamespace,
    documentKey('dealers', id),
  ])
  return {
    async release() {
      await db.query('commit')
      await db.end()
    },
  }
}

/** Supabase away (the watch reconnecting) while `during` runs; back and subscribed after. */
async function outage(during: () => Promise<void>): Promise<void> {
  await app.stack.faults.down()
  try {
    await eventually(async () =>
      expect(getRuntime(app.payload).watch?.status().dealers?.status).toBe('reconnecting'),
    )
    await during()
  } finally {
    await app.stack.faults.up()
  }
  await eventually(() => subscribed(app), 30_000)
}

/** A dealer created while Supabase is away, its delivery held by its lock: its id and the lock. */
async function heldDealer(): Promise<{ id: string; lock: { release(): Promise<void> } }> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() as never })
  const id = String(doc.id)
  return { id, lock: await lockDocument(id) }
}

it('a row inserted without a document while Supabase was away, alone in the table, is deleted before the documents saved meanwhile arrive; they arrive', async () => {
  expect((await app.rows()).size).toBe(0)
  let saved: Array<{ id: string; lock: { release(): Promise<void> } }> = []
  let orphan = ''
  await outage(async () => {
    saved = [await heldDealer(), await heldDealer()]
    ;[orphan] = await insertOrphans(1, 'alone-while-down')
  })
  try {
    // The table holds that row only (1 of 1 rows): the old check left it, recorded as refused.
    await eventually(async () => expect(await present([orphan])).toBe(0), 30_000)
    const rows = await app.rows()
    expect(saved.filter((d) => rows.has(d.id))).toEqual([])
  } finally {
    for (const d of saved) await d.lock.release()
  }
  await eventually(async () => {
    const rows = await app.rows()
    expect(saved.filter((d) => !rows.has(d.id))).toEqual([])
  }, 30_000)
  await settled(app, 30_000)
  expect(await catchesOf(app, orphan)).toEqual([
    expect.objectContaining({ change: 'gap', outcome: 'reverted' }),
  ])
  expect([...(await app.rows()).keys()].sort()).toEqual(saved.map((d) => d.id).sort())
}, 120_000)

it('more rows without documents than documents once delivered: left, recorded as refused; the documents saved meanwhile arrive', async () => {
  const before = (await app.rows()).size
  let saved: { id: string; lock: { release(): Promise<void> } } | undefined
  let orphans: string[] = []
  await outage(async () => {
    saved = await heldDealer()
    orphans = await insertOrphans(before + 3, 'many-while-down')
  })
  try {
    await eventually(
      async () =>
        expect(await catchEvents(app, orphans[0])).toEqual([
          expect.objectContaining({
            outcome: 'refused',
            summary: expect.stringMatching(
              /not handled — \d+ of \d+ rows found without documents after a reconnect .*maxDeleteFraction/,
            ),
          }),
        ]),
      30_000,
    )
  } finally {
    await saved?.lock.release()
  }
  await eventually(async () => expect((await app.rows()).has(saved!.id)).toBe(true), 30_000)
  await settled(app, 30_000)
  await eventually(() => app.idle(), 30_000)
  expect(await present(orphans)).toBe(orphans.length)
  await app.supabase.query(`delete from public.dealers where id = any($1::uuid[])`, [orphans])
}, 120_000)

it('a wiped Payload database (its documents gone, their rows left): no row is deleted, the refusal recorded', async () => {
  const ids = [...(await app.rows()).keys()]
  expect(ids.length).toBeGreaterThanOrEqual(3)
  // Gone from Payload without a delivery, as a database restored empty would be.
  await app.payload.delete({
    collection: 'dealers',
    where: { id: { in: ids } },
    context: { supabaseSync: false },
  })
  expect(await app.payload.count({ collection: 'dealers' })).toEqual({ totalDocs: 0 })
  await outage(async () => {})
  await eventually(
    async () =>
      expect(await catchEvents(app, ids[0])).toContainEqual(
        expect.objectContaining({
          outcome: 'refused',
          summary: expect.stringMatching(
            new RegExp(
              `not handled — ${ids.length} of ${ids.length} rows found without documents after a reconnect`,
            ),
          ),
        }),
      ),
    30_000,
  )
  await eventually(() => app.idle(), 30_000)
  expect(await present(ids)).toBe(ids.length)
}, 120_000)
