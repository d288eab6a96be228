/**
 * `doctor` and `sql` with mappers of one's own: the column types are judged by what the table gives
 * back — a type that rounds what the mapper writes would make every row differ for ever — and a
 * rowSchema whose columns cannot be read from it is refused, not taken for a table without columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { CollectionConfig } from 'payload'
import { defineMapper, syncDocuments, validateSync } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { doctor } from '../src/ops/doctor.js'
import { projectSql } from '../src/ops/schema-sql.js'
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

/** A rowSchema that is a transform: zod cannot say what its output's columns are. */
const Shaped: CollectionConfig = {
  slug: 'shaped',
  fields: [{ name: 'label', type: 'text', required: true }],
}
const shapedMapper = defineMapper({
  rowSchema: z
    .object({ id: z.uuid(), label: z.string() })
    .transform((row) => ({ ...row, label: row.label.toUpperCase() })),
  toRow: (doc: { id: string; label?: string | null }) => ({ id: doc.id, label: doc.label ?? '' }),
})
/** One column a transform: zod cannot say what type it gives (here a string; it might be anything). */
const Trimmed: CollectionConfig = {
  slug: 'trimmed',
  fields: [{ name: 'label', type: 'text', required: true }],
}
const trimmedMapper = defineMapper({
  rowSchema: z.object({ id: z.uuid(), label: z.string().transform((s) => s.trim()) }),
  toRow: (doc: { id: string; label?: string | null }) => ({ id: doc.id, label: doc.label ?? '' }),
})

/** A date column as a Date (`z.date()`): sent as JSON.stringify writes it, an ISO string. */
const Dated: CollectionConfig = {
  slug: 'dated',
  fields: [{ name: 'due', type: 'date', required: true }],
}
const datedRow = z.object({ id: z.uuid(), due: z.date() })
const datedMapper = defineMapper<{ id: string; due?: string | null }, z.infer<typeof datedRow>>({
  rowSchema: datedRow,
  toRow: (doc) => ({ id: doc.id, due: new Date(doc.due ?? 0) }),
})

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    // A column that rounds: real keeps about seven digits.
    supabaseSql: `create table public.measures (id uuid primary key, price real not null, sync_version bigint);
      alter table public.measures enable row level security;
      revoke all on table public.measures from anon, authenticated;
      grant select, insert, update, delete on table public.measures to service_role;`,
    collections: [Measures, Shaped, Trimmed, Dated],
    sync: {
      syncOnInit: false,
      collections: {
        measures: { table: 'measures', mapper: measureMapper as never, realtime: false },
        shaped: { table: 'shaped', mapper: shapedMapper as never, realtime: false },
        trimmed: { table: 'trimmed', mapper: trimmedMapper as never, realtime: false },
        dated: { table: 'dated', mapper: datedMapper as never, realtime: false },
      },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

/** The failing checks of one collection's table. */
const failing = async (slug: string) =>
  (await doctor(app.payload)).checks.filter(
    (c) => c.name.startsWith(`${slug} → `) && !c.ok && !c.skipped,
  )
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

    const [check] = await failing('measures')
    expect(check).toMatchObject({
      name: 'measures → measures: column types',
      detail: 'price is real, the mapper writes numeric',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing('measures')).toEqual([])
    await syncDocuments(app.payload, { collection: 'measures' })
    const synced = await validateSync(app.payload, { collection: 'measures', record: false })
    expect(synced).toMatchObject({ inSync: true, changed: [] })
  }, 60_000)

  it('takes an integer column for a number (a fraction is refused there, not rounded), names numeric(p,0) (it rounds)', async () => {
    await app.supabase.query('alter table public.measures alter column price type integer')
    expect(await failing('measures')).toEqual([])
    await app.supabase.query('alter table public.measures alter column price type numeric(12,0)')
    const [check] = await failing('measures')
    expect(check).toMatchObject({
      name: 'measures → measures: column types',
      detail: 'price is numeric(12,0), the mapper writes numeric',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing('measures')).toEqual([])
  })
})

describe('a rowSchema the columns cannot be read from', () => {
  const sqlOf = (slug: string) =>
    projectSql([getRuntime(app.payload).collections.get(slug)!], { realtime: () => false })

  it('a transform: sql refuses it, naming the collection; doctor fails, saying what to do', async () => {
    await expect(sqlOf('shaped')).rejects.toThrow(
      /collection "shaped": cannot derive the table's columns from this rowSchema \(a transform\?\).*\.pipe\(z\.object/,
    )
    // No table: doctor offers no table to create, but says why.
    expect(await failing('shaped')).toEqual([
      { name: 'shaped → shaped: table', ok: false, detail: 'public.shaped does not exist' },
      {
        name: 'shaped → shaped: columns',
        ok: false,
        detail: expect.stringMatching(/^cannot derive the table's columns from this rowSchema/),
        fix: expect.stringMatching(/do the transform in toRow/),
      },
    ])
    // A table there: its columns are not taken for checked.
    await app.supabase.query(
      'create table public.shaped (id uuid primary key, label text, sync_version bigint)',
    )
    try {
      const checks = await failing('shaped')
      expect(checks.find((c) => c.name === 'shaped → shaped: columns')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/cannot derive the table's columns/),
      })
    } finally {
      await app.supabase.query('drop table public.shaped')
    }
  })

  it('a column that is a transform: its type is not guessed', async () => {
    await expect(sqlOf('trimmed')).rejects.toThrow(
      /collection "trimmed": cannot derive the table's columns from this rowSchema \(a transform\?\): the type of label is not known/,
    )
    const checks = await failing('trimmed')
    expect(checks.find((c) => c.name === 'trimmed → trimmed: columns')).toMatchObject({
      detail: expect.stringMatching(/the type of label is not known/),
    })
  })
})

describe('a z.date() column', () => {
  it('is a timestamptz column; its rows are in sync, and a new date is delivered', async () => {
    const sql = await projectSql([getRuntime(app.payload).collections.get('dated')!])
    expect(sql).toContain('"due" timestamptz not null')
    await app.supabase.query(sql)
    expect(await failing('dated')).toEqual([])

    const doc = await app.payload.create({
      collection: 'dated',
      data: { due: '2026-03-01T09:30:00.250Z' },
    })
    const dueOf = async () =>
      (
        await app.supabase.query<{ due: string }>(
          `select to_json(due at time zone 'UTC') #>> '{}' as due from public.dated where id = $1`,
          [doc.id],
        )
      ).rows[0]?.due
    await eventually(async () => expect(await dueOf()).toBe('2026-03-01T09:30:00.25'))
    const check = await validateSync(app.payload, { collection: 'dated', record: false })
    expect(check).toMatchObject({ inSync: true, changed: [], missing: [] })

    // A save that changes only the date: its row is not the same row as before.
    await app.payload.update({
      collection: 'dated',
      id: doc.id,
      data: { due: '2026-04-02T12:00:00.000Z' },
    })
    await eventually(async () => expect(await dueOf()).toBe('2026-04-02T12:00:00'))
    const after = await validateSync(app.payload, { collection: 'dated', record: false })
    expect(after).toMatchObject({ inSync: true, changed: [] })
  })
})

describe("the sql command's script for writeMode 'upsert'", () => {
  it('leaves out the apply function (projects that cannot add functions must run it whole)', async () => {
    const collection = getRuntime(app.payload).collections.get('dated')!
    const rpc = await projectSql([collection])
    const upsert = await projectSql([collection], { writeMode: 'upsert' })
    expect(rpc).toMatch(/create or replace function public\.supabase_sync_apply/i)
    expect(upsert).not.toMatch(/create or replace function public\.supabase_sync_apply/i)
    expect(upsert).toMatch(/create or replace function public\.supabase_sync_inspect/i)
    expect(upsert).toContain('create table if not exists public."dated"')
  })
})
