/**
 * Text ids that PostgREST's `in.(…)` grammar takes for syntax (quotes, backslashes, commas,
 * parentheses, a leading space), and ids long enough that 150 of them pass a gateway's 8 KB URL: every
 * read by id finds its row, a plain delete removes its own row and no other, no request gets a 414.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syncDocuments, validateSync } from '../src/index.js'
import { idChunks, inList, listBudget, listElement } from '../src/supabase/id-lists.js'
import { eventually, type TestApp } from './support/app.js'
import { startCodesApp } from './support/codes-app.js'

describe('in-lists', () => {
  it('leaves plain ids bare and quotes and escapes the rest', () => {
    expect(inList(['a-1', '42', '9f1c0e2a-5b7d-4c3e-8a9f-0123456789ab'])).toBe(
      '(a-1,42,9f1c0e2a-5b7d-4c3e-8a9f-0123456789ab)',
    )
    expect(listElement('a"b,c')).toBe('"a\\"b,c"')
    expect(listElement('x\\y')).toBe('"x\\\\y"')
    expect(listElement('"quoted"')).toBe('"\\"quoted\\""')
    expect(listElement(' lead')).toBe('" lead"')
    expect(listElement('')).toBe('""')
  })

  it('cuts runs by count and by encoded length', () => {
    const uuids = Array.from(
      { length: 400 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    )
    expect(idChunks(uuids, 150).map((c) => c.length)).toEqual([150, 150, 100])
    const long = Array.from({ length: 300 }, (_, i) => `ümlaut ${'x'.repeat(60)} ${i}`)
    const chunks = idChunks(long, 150)
    expect(chunks.flat()).toEqual(long)
    for (const c of chunks)
      expect(new URLSearchParams({ id: `in.${inList(c)}` }).toString().length).toBeLessThanOrEqual(
        listBudget + 3,
      )
    expect(chunks.length).toBeGreaterThan(2)
    // `~` is three characters once encoded (%7E): `in.(~~,~~)` is 26 encoded, past a budget of 20.
    expect(idChunks(['~~', '~~'], 10, 20)).toEqual([['~~'], ['~~']])
    expect(idChunks(['ab', 'cd'], 10, 20)).toEqual([['ab', 'cd']])
  })
})

const nasty = [
  'x\\y,z',
  'a"b,c',
  '"quoted"',
  'quoted',
  ' lead',
  '(paren)',
  'comma,',
  'a',
  'b"',
  'c\\',
]
const long = Array.from(
  { length: 200 },
  (_, i) => `long-${'é'.repeat(30)}-${String(i).padStart(4, '0')}`,
)

let app: TestApp
beforeAll(async () => {
  app = await startCodesApp({ writeMode: 'upsert' })
  for (const id of [...nasty, ...long])
    await app.payload.create({ collection: 'codes', data: { id, label: `code ${id}` } })
  await app.idle()
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('ids PostgREST would misread, through the whole plugin', () => {
  it('every document reaches its own row', async () => {
    const rows = await app.rows('codes')
    expect([...rows.keys()].sort()).toEqual([...nasty, ...long].sort())
  })

  it('reads by id find every row: validate by ids is in sync, a scoped sync writes nothing', async () => {
    const ids = [...nasty, ...long]
    const check = await validateSync(app.payload, { collection: 'codes', ids, record: false })
    expect(check).toMatchObject({ inSync: true, missing: [], extra: [], changed: [] })
    const summary = await syncDocuments(app.payload, { collection: 'codes', ids })
    expect(summary).toMatchObject({ upserted: 0, failed: [] })
  })

  it('a plain delete removes its own row and no other', async () => {
    await app.payload.delete({ collection: 'codes', id: '"quoted"' })
    await app.payload.delete({ collection: 'codes', id: 'a"b,c' })
    await eventually(async () => {
      const rows = await app.rows('codes')
      expect(rows.has('"quoted"')).toBe(false)
      expect(rows.has('a"b,c')).toBe(false)
      for (const id of ['quoted', 'a', 'c\\', 'b"', 'x\\y,z']) expect(rows.has(id)).toBe(true)
    })
  })

  it('deletes of many long ids: every row goes, in URLs a gateway takes', async () => {
    await app.payload.delete({ collection: 'codes', where: { id: { like: 'long-' } } })
    await eventually(async () => {
      const rows = await app.rows('codes')
      expect([...rows.keys()].filter((id) => id.startsWith('long-'))).toEqual([])
    })
    const check = await validateSync(app.payload, { collection: 'codes', record: false })
    expect(check).toMatchObject({ inSync: true })
  })
})
