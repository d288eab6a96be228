/**
 * A Supabase project whose max-rows (PostgREST's db-max-rows) is small: PostgREST cuts every read to
 * that many rows without an error, so no read of the plugin may ask for more — or rows it did not get
 * look missing, and are written again or reported as drift.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { syncDocuments, validateSync } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { doctor } from '../src/ops/doctor.js'
import { maxRowsCheck } from '../src/ops/max-rows-check.js'
import { runSql, startApp, startPayload, writesDuring, type TestApp } from './support/app.js'
import { seedDealersSql } from './support/seed.js'

const MAX_ROWS = 20
const COUNT = 130
let app: TestApp
let ids: string[]

beforeAll(async () => {
  app = await startApp({
    stack: { maxRows: MAX_ROWS },
    sync: { syncOnInit: false, maxRows: MAX_ROWS },
  })
  await seedDealersSql(app.stack.databaseUri, COUNT)
  const db = new pg.Client({ connectionString: app.stack.databaseUri })
  await db.connect()
  try {
    ids = (await db.query<{ id: string }>('select id::text as id from dealers')).rows.map(
      (r) => r.id,
    )
  } finally {
    await db.end()
  }
  const first = await syncDocuments(app.payload)
  expect(first).toMatchObject({ upserted: COUNT, failed: [] })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe(`max-rows ${MAX_ROWS}`, () => {
  it('the whole table, page by page: in sync, nothing written', async () => {
    expect(app.stack.maxRows).toBe(MAX_ROWS)
    expect(await validateSync(app.payload, { record: false })).toMatchObject({
      inSync: true,
      missing: [],
    })
    expect(await writesDuring(app, () => syncDocuments(app.payload))).toBe(0)
  })

  it('documents by id (more ids than max-rows): in sync, nothing written', async () => {
    expect(ids.length).toBeGreaterThan(MAX_ROWS)
    const check = await validateSync(app.payload, { ids, record: false })
    expect(check).toMatchObject({ inSync: true, missing: [], extra: [], changed: [] })
    expect(await writesDuring(app, () => syncDocuments(app.payload, { ids }))).toBe(0)
  })

  it("doctor: passes with maxRows at the project's max-rows, names the right value when above it", async () => {
    const check = (await doctor(app.payload)).checks.find((c) => c.name === 'max-rows')
    expect(check).toMatchObject({ ok: true })
    expect(check!.skipped).toBeUndefined()
    // The same project, as a plugin left at the default maxRows would ask it.
    const above = await maxRowsCheck(getRuntime(app.payload).target.client, 1000)
    expect(above).toMatchObject({ ok: false, fix: expect.stringContaining(`maxRows: ${MAX_ROWS}`) })
    expect(above.detail).toMatch(/at most 20 rows per read/)
  })
})

/**
 * The same project, with the plugin left at its default maxRows (1000): each test starts its own
 * Payload on the app's databases, so that what the sync learns of max-rows starts from nothing.
 */
describe(`max-rows ${MAX_ROWS}, the plugin's maxRows left at 1000`, () => {
  const fresh = () => startPayload(app.stack, { sync: { syncOnInit: false } })
  const cutWarnings = (logs: Awaited<ReturnType<typeof fresh>>['logs']) =>
    logs.find((l) => l.level === 40 && /cut a read to 20 rows/.test(l.msg))

  it('documents by id: the first cut read is noticed, the rest read 20 at a time; nothing missing', async () => {
    const { payload, logs } = await fresh()
    try {
      expect(getRuntime(payload).options.maxRows).toBe(1000)
      const check = await validateSync(payload, { ids, record: false })
      expect(check).toMatchObject({ inSync: true, missing: [], extra: [], changed: [] })
      expect(await writesDuring(app, () => syncDocuments(payload, { ids }))).toBe(0)
      expect(cutWarnings(logs)).toHaveLength(1)
      expect(cutWarnings(logs)[0].msg).toMatch(/set maxRows: 20/)
    } finally {
      await payload.destroy()
    }
  })

  it('the whole table: pages cut by max-rows are read on; rows past the last document are all found and deleted', async () => {
    // Rows without documents whose ids sort after every document's: they come from the range read
    // past the last page, which max-rows cuts at 20.
    const orphans = 25
    await runSql(
      app.stack.supabaseDbUri,
      `insert into public.dealers (id, name, slug, created_at)
       select ('ffffffff-ffff-4fff-bfff-' || lpad(g::text, 12, '0'))::uuid, 'orphan', 'tail-orphan-' || g, now()
       from generate_series(1, ${orphans}) g`,
    )
    const { payload, logs } = await fresh()
    try {
      const check = await validateSync(payload, { record: false })
      expect(check.missing).toEqual([])
      expect(check.changed).toEqual([])
      expect(check.extra).toHaveLength(orphans)
      expect(cutWarnings(logs)).toHaveLength(1)
      const summary = await syncDocuments(payload)
      expect(summary).toMatchObject({ upserted: 0, deleted: orphans, failed: [] })
      expect((await app.rows()).size).toBe(COUNT)
    } finally {
      await payload.destroy()
    }
  })
})
