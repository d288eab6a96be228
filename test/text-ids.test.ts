/**
 * Text ids whose order depends on the collation, with Payload's database and Supabase's sorting them
 * differently (C here, ICU's en-US there: upper case first in one, case ignored in the other). The
 * scan pages by Payload's order and reads Supabase's rows by ranges of those keys, which Supabase cuts
 * in its own order: a document's row may lie in another page's range. Nothing may be written twice,
 * taken for extra or for missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { syncDocuments, validateSync } from '../src/index.js'
import { doctor } from '../src/ops/doctor.js'
import { runSql as sql, writesDuring, type TestApp } from './support/app.js'
import { startCodesApp } from './support/codes-app.js'

const COUNT = 2_500

let app: TestApp

beforeAll(async () => {
  app = await startCodesApp()
  // a-0000, A-0001, a-0002, …: in C all upper-case ids come first; in en-US they alternate.
  await sql(
    app.stack.databaseUri,
    `insert into codes (id, label, created_at, updated_at)
       select case when g % 2 = 1 then 'A' else 'a' end || '-' || lpad(g::text, 4, '0'), 'code ' || g, now(), now()
         from generate_series(0, ${COUNT - 1}) g`,
  )
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('text ids that the two databases order differently', () => {
  it('the orders differ (else this test proves nothing)', async () => {
    const db = new pg.Client({ connectionString: app.stack.supabaseDbUri })
    await db.connect()
    try {
      const { rows } = await db.query<{ c: string[]; icu: string[] }>(
        `select array_agg(x order by x collate "C") as c, array_agg(x order by x collate "en-US-x-icu") as icu
           from unnest(array['a-0000', 'A-0001', 'a-0002']) x`,
      )
      expect(rows[0].c).not.toEqual(rows[0].icu)
    } finally {
      await db.end()
    }
  })

  it('a first sync writes each row once and finds nothing extra', async () => {
    const synced = await syncDocuments(app.payload, { collection: 'codes' })
    expect(synced.failed).toEqual([])
    expect(synced.differences).toEqual({ missing: COUNT, changed: 0, extra: 0 })
    expect(synced).toMatchObject({ scanned: COUNT, upserted: COUNT, deleted: 0 })
    expect((await app.rows('codes')).size).toBe(COUNT)
  }, 120_000)

  it('a sync of the table in sync writes nothing; a check finds it in sync', async () => {
    app.logs.clear()
    let synced: Awaited<ReturnType<typeof syncDocuments>> | undefined
    const writes = await writesDuring(app, async () => {
      synced = await syncDocuments(app.payload, { collection: 'codes' })
    })
    expect(synced!.differences).toEqual({ missing: 0, changed: 0, extra: 0 })
    expect(synced).toMatchObject({ upserted: 0, deleted: 0, unchanged: COUNT })
    expect(writes).toBe(0)
    // The operator is told why the reads cost more, and what to do.
    const [hint] = app.logs.find((l) => l.collection === 'codes' && l.misplaced !== undefined)
    expect(hint).toMatchObject({ level: 40, table: 'codes' })
    expect(hint.misplaced).toBeGreaterThan(0)
    expect(String(hint.msg)).toMatch(/another collation.*same collation/)

    const check = await validateSync(app.payload, { collection: 'codes' })
    expect(check).toMatchObject({ inSync: true, missing: [], extra: [], changed: [] })
  }, 120_000)

  it('finds the one extra, changed and missing row, and repairs only those', async () => {
    await sql(
      app.stack.supabaseDbUri,
      `insert into public.codes (id, label) values ('b-gone', 'gone');
       update public.codes set label = 'drifted' where id = 'a-1000';
       delete from public.codes where id = 'A-2001';`,
    )
    const check = await validateSync(app.payload, { collection: 'codes' })
    expect(check.extra).toEqual(['b-gone'])
    expect(check.missing).toEqual(['A-2001'])
    expect(check.changed.map((c) => c.id)).toEqual(['a-1000'])

    const synced = await syncDocuments(app.payload, { collection: 'codes' })
    expect(synced.differences).toEqual({ missing: 1, changed: 1, extra: 1 })
    expect(synced).toMatchObject({ upserted: 2, deleted: 1 })
    const rows = await app.rows('codes')
    expect(rows.size).toBe(COUNT)
    expect(rows.get('a-1000')).toMatchObject({ label: 'code 1000' })
  }, 120_000)

  it('doctor names the difference and its fix; after the fix, scans read no row by id', async () => {
    const keyOrder = async () =>
      (await doctor(app.payload)).checks.find((c) => c.name === 'codes → codes: key order')
    const before = await keyOrder()
    expect(before).toMatchObject({ ok: false })
    expect(before!.detail).toMatch(/Supabase orders ids otherwise than Payload's database/)
    expect(before!.fix).toContain(
      'alter table public."codes" alter column "id" type text collate "C";',
    )

    await sql(
      app.stack.supabaseDbUri,
      'alter table public.codes alter column id type text collate "C"',
    )
    expect(await keyOrder()).toMatchObject({ ok: true, detail: expect.stringMatching(/alike/) })
    app.logs.clear()
    const synced = await syncDocuments(app.payload, { collection: 'codes' })
    expect(synced).toMatchObject({ upserted: 0, deleted: 0, unchanged: COUNT })
    expect(app.logs.find((l) => l.collection === 'codes' && l.misplaced !== undefined)).toEqual([])
  }, 120_000)
})
