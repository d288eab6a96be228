/**
 * A collection with numeric ids (Payload's default for PostgreSQL is a serial id; here a custom
 * `number` id) and more documents than a page: the scan must page in numeric order, as the ids
 * compare, or it skips documents (text order puts 2 after 1999) and takes rows of existing documents
 * for rows without documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { CollectionConfig } from 'payload'
import { defineMapper, syncDocuments, validateSync } from '../src/index.js'
import { doctor } from '../src/ops/doctor.js'
import { runSql as sql, startApp, type TestApp } from './support/app.js'

const COUNT = 2_100

const Items: CollectionConfig = {
  slug: 'items',
  fields: [
    { name: 'id', type: 'number', required: true },
    { name: 'label', type: 'text', required: true },
  ],
}

interface ItemDoc {
  id: number
  label?: string | null
  updatedAt?: string
  [key: string]: unknown
}
const itemRow = z.object({
  id: z.number().int(),
  label: z.string(),
  updated_at: z.iso.datetime({ offset: true }),
})

const itemMapper = defineMapper<ItemDoc, z.infer<typeof itemRow>>({
  rowSchema: itemRow,
  idType: 'number',
  updatedAtColumn: 'updated_at',
  toRow: (doc) => ({ id: Number(doc.id), label: doc.label ?? '', updated_at: doc.updatedAt ?? '' }),
})

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    collections: [Items],
    sync: {
      syncOnInit: false,
      collections: { items: { table: 'items', mapper: itemMapper as never } },
    },
  })
  await sql(
    app.stack.supabaseDbUri,
    `create table public.items (id bigint primary key, label text not null, updated_at timestamptz, sync_version bigint);
     alter table public.items enable row level security;
     revoke all on table public.items from anon, authenticated;
     grant select, insert, update, delete on table public.items to service_role;`,
  )
  await sql(
    app.stack.databaseUri,
    `insert into items (id, label, created_at, updated_at)
       select g, 'item ' || g, now(), now() from generate_series(1, ${COUNT}) g`,
  )
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('numeric ids, more documents than a page', () => {
  it('a sync writes every document and a check then finds the table in sync', async () => {
    const synced = await syncDocuments(app.payload, { collection: 'items' })
    expect(synced.failed).toEqual([])
    expect(synced.scanned).toBe(COUNT)
    expect(synced.upserted).toBe(COUNT)
    expect(synced.differences).toEqual({ missing: COUNT, changed: 0, extra: 0 })
    const rows = await app.rows('items')
    expect(rows.size).toBe(COUNT)
    expect(rows.get('2')).toMatchObject({ id: 2, label: 'item 2' })

    const check = await validateSync(app.payload, { collection: 'items' })
    expect(check).toMatchObject({ inSync: true, scanned: COUNT, missing: [], extra: [] })
  }, 120_000)

  it('a row without a document is found as extra, and only that one', async () => {
    await sql(
      app.stack.supabaseDbUri,
      `insert into public.items (id, label) values (999999, 'gone')`,
    )
    const check = await validateSync(app.payload, { collection: 'items' })
    expect(check.extra).toEqual(['999999'])
    expect(check.missing).toEqual([])
    const synced = await syncDocuments(app.payload, { collection: 'items' })
    expect(synced.deleted).toBe(1)
    expect((await app.rows('items')).size).toBe(COUNT)
  }, 120_000)

  it("doctor takes the collection's own id field for its id type: a bigint key passes", async () => {
    // The adapter's ids are uuids; items has a number id field of its own.
    const primaryKey = async () =>
      (await doctor(app.payload)).checks.find((c) => c.name === 'items → items: primary key')
    expect(await primaryKey()).toMatchObject({
      ok: true,
      detail: 'id (bigint), Payload ids are number',
    })
    const result = await doctor(app.payload)
    expect(result.checks.filter((c) => !c.ok && !c.skipped)).toEqual([])
    expect(result.ok).toBe(true)

    // A key of a type the ids do not fit in: its type is changed, not a second key added.
    await sql(app.stack.supabaseDbUri, 'alter table public.items alter column id type text')
    const wrong = await primaryKey()
    expect(wrong).toMatchObject({ ok: false })
    const fix = wrong!.fix!.split('\n').slice(1).join('\n')
    expect(fix).toBe('alter table public."items" alter column "id" type bigint using "id"::bigint;')
    await sql(app.stack.supabaseDbUri, fix)
    expect((await doctor(app.payload)).ok).toBe(true)
    expect(await validateSync(app.payload, { collection: 'items' })).toMatchObject({
      inSync: true,
      scanned: COUNT,
    })
  }, 120_000)
})
