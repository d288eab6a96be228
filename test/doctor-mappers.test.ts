/**
 * `doctor` and `sql` with mappers of one's own: the column types are judged by what the table gives
 * back — a type that rounds what the mapper writes would make every row differ for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { CollectionConfig } from 'payload'
import { defineMapper, syncDocuments, validateSync } from '../src/index.js'
import { doctor } from '../src/ops/doctor.js'
import { eventually, startApp, type TestApp } from './support/app.js'

const Measures: CollectionConfig = {
  slug: 'measures',
  fields: [{ name: 'price', type: 'number', required: true }],
}

interface MeasureDoc {
  id: string
  price?: number | null
  [key: string]: unknown
}
const measureRow = z.object({ id: z.uuid(), price: z.number() })
const measureMapper = defineMapper<MeasureDoc, z.infer<typeof measureRow>>({
  rowSchema: measureRow,
  toRow: (doc) => ({ id: doc.id, price: doc.price ?? 0 }),
})

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    // A column that rounds: real keeps about seven digits.
    supabaseSql: `create table public.measures (id uuid primary key, price real not null, sync_version bigint);
      alter table public.measures enable row level security;
      revoke all on table public.measures from anon, authenticated;
      grant select, insert, update, delete on table public.measures to service_role;`,
    collections: [Measures],
    sync: {
      syncOnInit: false,
      collections: {
        measures: { table: 'measures', mapper: measureMapper as never, realtime: false },
      },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

const failing = async () => (await doctor(app.payload)).checks.filter((c) => !c.ok && !c.skipped)
/** The SQL of a check's fix (the lines after its first). */
const fixSql = (fix: string | undefined) => (fix ?? '').split('\n').slice(1).join('\n')

describe('doctor, column types of a mapper of your own', () => {
  it('names a real column for a number (it rounds), and after its fix a sync brings the rows in sync', async () => {
    const doc = await app.payload.create({ collection: 'measures', data: { price: 0.123456789 } })
    await eventually(async () => {
      expect((await app.rows('measures')).get(String(doc.id))).toBeDefined()
    })
    const drifted = await validateSync(app.payload, { collection: 'measures', record: false })
    expect(drifted.changed).toEqual([{ id: doc.id, fields: ['price'] }])

    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'measures → measures: column types',
      detail: 'price is real, the mapper writes numeric',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
    await syncDocuments(app.payload, { collection: 'measures' })
    const synced = await validateSync(app.payload, { collection: 'measures', record: false })
    expect(synced).toMatchObject({ inSync: true, changed: [] })
  }, 60_000)

  it('names an integer column for a number that is not an integer', async () => {
    await app.supabase.query('alter table public.measures alter column price type integer')
    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'measures → measures: column types',
      detail: 'price is integer, the mapper writes numeric',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
  })
})
