/**
 * Rows without documents caught by the realtime watch under `revert`: the reconcile's guards apply.
 * A bulk insert by another service is left and recorded (the mass-insert guard), however Realtime
 * chunks it; a few such rows are still deleted; rows found by the check after a reconnect are
 * deleted only within the mass-delete guard (maxDeleteFraction).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventually, startApp, type TestApp } from './support/app.js'
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
  setPolicy(app, 'revert')
  await app.idle()
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

const events = () => getRuntime(app.payload).watch!.stats().events

describe('the mass-insert guard', () => {
  it('300 rows inserted without documents, arriving in chunks of 100: none deleted, recorded', async () => {
    const ids: string[] = []
    // Three statements, each sent once the previous one's changes have all reached the watch: no
    // batch of the watch ever holds more than 100 of them (the real server reads 100 per poll).
    for (let chunk = 0; chunk < 3; chunk++) {
      const before = events()
      ids.push(...(await insertOrphans(100, 'bulk')))
      await eventually(async () => expect(events()).toBeGreaterThanOrEqual(before + 100), 30_000)
    }
    await eventually(() => app.idle(), 30_000)
    expect(await present(ids)).toBe(300)
    const recorded = new Set<string>()
    const { docs } = await app.payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'external-change' }, outcome: { equals: 'refused' } },
      limit: 1000,
      overrideAccess: true,
    })
    for (const doc of docs) for (const id of (doc.ids as string[]) ?? []) recorded.add(id)
    expect(ids.filter((id) => !recorded.has(id))).toEqual([])
    expect(await catchEvents(app, ids[0])).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        summary: expect.stringMatching(
          /insert\): not handled — more than 100 rows .*massInsertLimit/,
        ),
      }),
    ])
    await app.supabase.query(`delete from public.dealers where id = any($1::uuid[])`, [ids])
  }, 120_000)

  it('a few rows inserted without documents are still deleted', async () => {
    const ids = await insertOrphans(5, 'few')
    await eventually(async () => expect(await present(ids)).toBe(0), 20_000)
    await eventually(async () =>
      expect(await catchesOf(app, ids[0])).toContainEqual(
        expect.objectContaining({ change: 'INSERT', outcome: 'reverted' }),
      ),
    )
  })
})

describe('the check after a reconnect', () => {
  async function gap(during: () => Promise<void>): Promise<void> {
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

  it('more rows without documents than maxDeleteFraction of the table: left and recorded, not deleted', async () => {
    await newDealer(app)
    let ids: string[] = []
    await gap(async () => {
      ids = await insertOrphans(400, 'while-down')
    })
    // One event for the 400 (its details keep the first 50 catches; its ids all of them).
    await eventually(
      async () =>
        expect(await catchEvents(app, ids[399])).toEqual([
          expect.objectContaining({
            outcome: 'refused',
            summary: expect.stringMatching(
              /\(400 gap\): not handled — 400 of \d+ rows found without documents after a reconnect .*maxDeleteFraction/,
            ),
          }),
        ]),
      30_000,
    )
    await eventually(() => app.idle(), 30_000)
    expect(await present(ids)).toBe(400)
    await app.supabase.query(`delete from public.dealers where id = any($1::uuid[])`, [ids])
  }, 120_000)

  it('a few rows without documents (within maxDeleteFraction) are deleted', async () => {
    for (let i = 0; i < 3; i++) await newDealer(app)
    let ids: string[] = []
    await gap(async () => {
      ids = await insertOrphans(1, 'one-while-down')
    })
    await eventually(async () => expect(await present(ids)).toBe(0), 30_000)
  }, 120_000)
})
