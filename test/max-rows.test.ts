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
import { startApp, writesDuring, type TestApp } from './support/app.js'
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
