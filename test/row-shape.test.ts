/**
 * A row is what its schema declares: a value the mapper gives as undefined, or a declared column it
 * leaves out, is null in Supabase. In the guarded function's JSON an undefined key vanished, and the
 * function keeps a column no row of the batch names: a cleared note stayed in Supabase for ever, and
 * validate reported it changed on every run (or, left out, in sync).
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
/** Leaves a cleared note out. */
const jotMapper = defineMapper<NotedDoc, z.infer<typeof rowSchema>>({
  rowSchema,
  toRow: (doc) => ({
    id: String(doc.id),
    title: doc.title ?? '',
    ...(doc.note ? { note: doc.note } : {}),
  }),
})

const table = (name: string) =>
  `create table public.${name} (id uuid primary key, title text not null, note text, sync_version bigint);
   grant select, insert, update, delete on table public.${name} to service_role;`

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    supabaseSql: table('memos') + table('jots'),
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
  it('is null where the mapper gives undefined or leaves a declared column out', () => {
    for (const mapper of [memoMapper, jotMapper])
      expect(mapDocument('memos', mapper as never, { id: 'a', title: 'A', note: '' })).toEqual({
        id: 'a',
        title: 'A',
        note: null,
      })
  })

  for (const collection of ['memos', 'jots'])
    it(`${collection}: a cleared note is cleared in Supabase, and validate finds it in sync`, async () => {
      const doc = await app.payload.create({
        collection: collection as never,
        data: { title: 'First', note: 'x' } as never,
      })
      await app.idle()
      expect((await app.rows(collection)).get(String(doc.id))).toMatchObject({ note: 'x' })
      await app.payload.update({
        collection: collection as never,
        id: doc.id,
        data: { note: '' } as never,
      })
      await app.idle()
      expect((await app.rows(collection)).get(String(doc.id))).toMatchObject({ note: null })
      const report = await validateSync(app.payload, { collection })
      expect(report.changed).toEqual([])
      expect(report.inSync).toBe(true)
    })
})
