/**
 * A value the mapper gives as undefined is null in Supabase: in the guarded function's JSON an
 * undefined key vanished, and the function keeps a column no row of the batch names, so a cleared
 * note stayed in Supabase for ever and validate reported it changed on every run. A key the mapper
 * leaves out is a column it does not write: the table's default stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionConfig } from 'payload'
import { z } from 'zod'
import { defineMapper, validateSync } from '../src/index.js'
import { mapDocument } from '../src/mapping/validate.js'
import { startApp, type TestApp } from './support/app.js'

const noted = (slug: string): CollectionConfig => ({
  slug,
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'note', type: 'text' },
  ],
})

const rowSchema = z.object({ id: z.string(), title: z.string(), note: z.string().optional() })
type NotedDoc = { id: string; title?: string; note?: string | null }

/** Gives a cleared note as undefined. */
const memoMapper = defineMapper<NotedDoc, z.infer<typeof rowSchema>>({
  rowSchema,
  toRow: (doc) => ({ id: String(doc.id), title: doc.title ?? '', note: doc.note || undefined }),
})
/** Leaves the note out: the table's default fills it. */
const jotMapper = defineMapper<NotedDoc, z.infer<typeof rowSchema>>({
  rowSchema,
  toRow: (doc) => ({
    id: String(doc.id),
    title: doc.title ?? '',
    ...(doc.note ? { note: doc.note } : {}),
  }),
})

const table = (name: string, note = 'text') =>
  `create table public.${name} (id uuid primary key, title text not null, note ${note}, sync_version bigint);
   grant select, insert, update, delete on table public.${name} to service_role;`

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    supabaseSql: table('memos') + table('jots', "text not null default 'n/a'"),
    collections: [noted('memos'), noted('jots')],
    sync: {
      syncOnInit: false,
      collections: {
        memos: { table: 'memos', mapper: memoMapper as never },
        jots: { table: 'jots', mapper: jotMapper as never },
      },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('the row a mapper makes', () => {
  it('is null where the mapper gives undefined; a key it leaves out stays out', () => {
    expect(mapDocument('memos', memoMapper as never, { id: 'a', title: 'A', note: '' })).toEqual({
      id: 'a',
      title: 'A',
      note: null,
    })
    expect(mapDocument('jots', jotMapper as never, { id: 'a', title: 'A', note: '' })).toEqual({
      id: 'a',
      title: 'A',
    })
  })

  it('memos: a cleared note is cleared in Supabase, and validate finds it in sync', async () => {
    const doc = await app.payload.create({
      collection: 'memos' as never,
      data: { title: 'First', note: 'x' } as never,
    })
    await app.idle()
    expect((await app.rows('memos')).get(String(doc.id))).toMatchObject({ note: 'x' })
    await app.payload.update({
      collection: 'memos' as never,
      id: doc.id,
      data: { note: '' } as never,
    })
    await app.idle()
    expect((await app.rows('memos')).get(String(doc.id))).toMatchObject({ note: null })
    const report = await validateSync(app.payload, { collection: 'memos' })
    expect(report.changed).toEqual([])
    expect(report.inSync).toBe(true)
  })

  it("jots: a note left out keeps the table default (the column is not the mapper's to write)", async () => {
    const doc = await app.payload.create({
      collection: 'jots' as never,
      data: { title: 'First' } as never,
    })
    await app.idle()
    expect((await app.rows('jots')).get(String(doc.id))).toMatchObject({ note: 'n/a' })
    expect((await validateSync(app.payload, { collection: 'jots' })).inSync).toBe(true)
  })
})
