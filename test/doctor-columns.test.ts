/**
 * `doctor` on what a table's columns do to the rows a mapper of one's own sends: a NOT NULL column for
 * a value the rowSchema lets be null or left out refuses those rows (23502, the document given up) —
 * a failure, whose fix lets the document through; a numeric(p,s) column for any number rounds it —
 * a warning, unless the rowSchema says the mapper rounds (multipleOf); and a z.bigint(), which JSON
 * cannot carry, is refused saying what to use instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { CollectionConfig } from 'payload'
import { defineMapper, syncDocuments, validateSync } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { doctor } from '../src/ops/doctor.js'
import { projectSql } from '../src/ops/schema-sql.js'
import { startApp, type TestApp } from './support/app.js'

const Notes: CollectionConfig = {
  slug: 'notes',
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'summary', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'price', type: 'number' },
    { name: 'fee', type: 'number' },
  ],
}
interface NoteDoc {
  id: string
  title?: string | null
  summary?: string | null
  status?: string | null
  price?: number | null
  fee?: number | null
  [key: string]: unknown
}
const noteRow = z.object({
  id: z.uuid(),
  title: z.string(),
  summary: z.string().nullable(),
  status: z.string().optional(),
  price: z.number().nullable(),
  // Rounded to 5 cents by the mapper, and the schema says so: numeric(8,2) holds it exactly.
  fee: z.number().multipleOf(0.05).nullable(),
})
const noteMapper = defineMapper<NoteDoc, z.infer<typeof noteRow>>({
  rowSchema: noteRow,
  toRow: (doc) => ({
    id: doc.id,
    title: doc.title ?? '',
    summary: doc.summary ?? null,
    ...(doc.status ? { status: doc.status } : {}),
    price: doc.price ?? null,
    fee: doc.fee == null ? null : Math.round(doc.fee * 20) / 20,
  }),
})

/** A counter kept as a bigint: JSON cannot carry it. */
const Counters: CollectionConfig = {
  slug: 'counters',
  fields: [{ name: 'hits', type: 'number' }],
}
const counterMapper = defineMapper({
  rowSchema: z.object({ id: z.uuid(), hits: z.bigint() }),
  toRow: (doc: { id: string; hits?: number | null }) => ({
    id: doc.id,
    hits: BigInt(doc.hits ?? 0),
  }),
})

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    // title nullable while the mapper always fills it: fine. summary and status NOT NULL (status with
    // a default) while the mapper may send null or leave the key out: refused rows.
    supabaseSql: `create table public.notes (id uuid primary key, title text, summary text not null,
        status text not null default 'draft', price numeric(10,2), fee numeric(8,2), sync_version bigint);
      alter table public.notes enable row level security;
      revoke all on table public.notes from anon, authenticated;
      grant select, insert, update, delete on table public.notes to service_role;
      create trigger supabase_sync_mark_foreign before insert or update on public.notes
        for each row execute function public.supabase_sync_mark_foreign('sync_version');`,
    collections: [Notes, Counters],
    sync: {
      syncOnInit: false,
      collections: {
        notes: { table: 'notes', mapper: noteMapper as never, realtime: false },
        counters: { table: 'counters', mapper: counterMapper as never, realtime: false },
      },
    },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

const checksOf = async (slug: string) =>
  (await doctor(app.payload)).checks.filter((c) => c.name.startsWith(`${slug} → `))
const failing = async (slug: string) => (await checksOf(slug)).filter((c) => !c.ok && !c.skipped)
const warnings = async (slug: string) => (await checksOf(slug)).filter((c) => c.warning)
/** The SQL of a check's fix (the lines after its first). */
const fixSql = (fix: string | undefined) => (fix ?? '').split('\n').slice(1).join('\n')

describe('doctor: NOT NULL columns for values the mapper may not send', () => {
  it('names each with why, and its fix lets the refused document through', async () => {
    const doc = await app.payload.create({ collection: 'notes', data: { title: 'no summary' } })
    // The save's own delivery first: a sync that meets the document while that delivery holds its
    // lock leaves it to a job (reports it neither written nor failed), and the refusal goes unseen.
    await app.idle()
    const refused = await syncDocuments(app.payload, { collection: 'notes' })
    expect(refused.failed).toEqual([expect.objectContaining({ id: doc.id, code: '23502' })])

    expect(await failing('notes')).toEqual([
      {
        name: 'notes → notes: not null',
        ok: false,
        detail:
          "summary is not null, the mapper's summary may be null (nullable in the rowSchema); status is not null (with a default), the mapper's status may be left out (optional in the rowSchema): Supabase refuses every such row (23502), and its document is given up — a default fills no null sent, nor a key left out of a row whose batch has it in another",
        fix: expect.any(String),
      },
    ])
    const [check] = await failing('notes')
    expect(fixSql(check.fix)).toBe(
      'alter table public."notes" alter column "summary" drop not null;\n' +
        'alter table public."notes" alter column "status" drop not null;',
    )
    await app.supabase.query(fixSql(check.fix))
    expect(await failing('notes')).toEqual([])
    const synced = await syncDocuments(app.payload, { collection: 'notes' })
    expect(synced.failed).toEqual([])
    expect((await app.rows('notes')).get(String(doc.id))).toMatchObject({
      title: 'no summary',
      summary: null,
    })
  }, 60_000)
})

describe('doctor: a numeric(p,s) column for any number', () => {
  it('warns that it rounds (the row then drifts), not where the rowSchema says the mapper rounds; the fix keeps every decimal', async () => {
    const doc = await app.payload.create({
      collection: 'notes',
      data: { title: 'priced', summary: 's', price: 1.239, fee: 2.05 },
    })
    // As above: else the sync may leave the row to the save's delivery, not written yet at the check.
    await app.idle()
    await syncDocuments(app.payload, { collection: 'notes' })
    const drifted = await validateSync(app.payload, { collection: 'notes', record: false })
    expect(drifted.changed).toEqual([{ id: doc.id, fields: ['price'] }])

    // A warning: the table's checks pass.
    expect(await failing('notes')).toEqual([])
    expect(await warnings('notes')).toEqual([
      {
        name: 'notes → notes: column scale',
        ok: true,
        warning: true,
        detail:
          "price is numeric(10,2), the mapper's price is any number: one with more than 2 decimals is stored rounded to 2 — its row then differs from its document at every check, and is rewritten each time",
        fix: expect.stringMatching(
          /^round in toRow and say so in the rowSchema \(price: z\.number\(\)\.multipleOf\(0\.01\)\); or, to keep every decimal, run in the Supabase SQL editor/,
        ),
      },
    ])
    const [check] = await warnings('notes')
    expect(fixSql(check.fix)).toBe(
      'alter table public."notes" alter column "price" type numeric using "price"::numeric;',
    )
    await app.supabase.query(fixSql(check.fix))
    expect(await warnings('notes')).toEqual([])
    await syncDocuments(app.payload, { collection: 'notes' })
    const synced = await validateSync(app.payload, { collection: 'notes', record: false })
    expect(synced).toMatchObject({ inSync: true, changed: [] })
  }, 60_000)
})

describe('a z.bigint() in a rowSchema', () => {
  it('is refused by sql and doctor, saying to use z.number().int() or a string', async () => {
    await expect(
      projectSql([getRuntime(app.payload).collections.get('counters')!]),
    ).rejects.toThrow(
      /collection "counters": the rowSchema has a z\.bigint\(\) in hits, which JSON cannot carry; .*use z\.number\(\)\.int\(\).*or a z\.string\(\)/,
    )
    expect((await failing('counters')).find((c) => c.name.endsWith(': columns'))).toEqual({
      name: 'counters → counters: columns',
      ok: false,
      detail: 'the rowSchema has a z.bigint() in hits, which JSON cannot carry',
      fix: expect.stringMatching(/^JSON has no bigint .*use z\.number\(\)\.int\(\)/),
    })
  })
})
