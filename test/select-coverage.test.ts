/**
 * A mapper's `select` must cover what its toRow and the collection's shouldSync read: Payload strips
 * every field a select leaves out. A shouldSync on a field outside the dealers mapper's select refused
 * every dealer (the startup reconcile deleted every row; validate called that in sync), and internal
 * documents went to Supabase with a `!==` test. A select that leaves out what is read is not used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerMapper, validateSync, type DealerDoc } from '../src/index.js'
import { everyField, readsOutside } from '../src/mapping/select-coverage.js'
import type { Doc } from '../src/mapping/types.js'
import { dealerData, startApp, type TestApp } from './support/app.js'
import { DealersWithNotes } from './support/collections.js'

const stub = { id: '00000000-0000-0000-0000-000000000000' }
const select = { ...dealerMapper.select!, deletedAt: true, updatedAt: true }

describe('what a mapping reads outside its select', () => {
  it('nothing for the dealers mapper; the field a shouldSync or an extended toRow reads', () => {
    expect(readsOutside(select, [(d) => dealerMapper.toRow(d as DealerDoc)], stub)).toEqual([])
    expect(readsOutside(select, [(d) => d.active === true], stub)).toEqual(['active'])
    const extended = (d: Doc) => ({ ...dealerMapper.toRow(d as DealerDoc), phone: d.phone ?? null })
    expect(readsOutside(select, [extended], stub)).toEqual(['phone'])
  })

  it('inside a group selected in part, behind a branch the sample takes, by listing, and before a throw', () => {
    const nested = { group: { a: true } }
    const doc = { id: 'x', group: { a: 1, b: 2 }, kind: 'long' }
    expect(readsOutside(nested, [(d) => (d.group as Record<string, number>).b], doc)).toEqual([
      'group.b',
    ])
    const branchy = (d: Doc) => (d.group ? (d as { notes?: string }).notes : null)
    expect(readsOutside({ group: true }, [branchy], stub)).toEqual([])
    expect(readsOutside({ group: true }, [branchy], doc)).toEqual(['notes'])
    expect(readsOutside({ group: true }, [(d) => ({ ...d })], doc)).toContain(everyField)
    expect(readsOutside({}, [(d) => 'kind' in d], doc)).toEqual(['kind'])
    // Not fields: Object's own methods; an exclusion select returns every other field; a document
    // of every locale nests each field by locale.
    expect(
      readsOutside(
        {},
        // eslint-disable-next-line no-prototype-builtins -- what a mapper may well write
        [(d) => d.hasOwnProperty('id') && d.propertyIsEnumerable('id')],
        doc,
      ),
    ).toEqual([])
    expect(readsOutside({ body: false }, [(d) => d.kind], doc)).toEqual([])
    const allLocales = { id: 'x', seo: { en: { title: 'A' } } }
    const readsEn = (d: Doc) => (d.seo as { en: { title: string } }).en.title
    expect(
      readsOutside({ seo: { title: true } }, [readsEn], allLocales, { nested: false }),
    ).toEqual([])
    const throws = (d: Doc) => (d.missing as { x: number }).x
    expect(readsOutside({}, [throws], stub)).toEqual(['missing'])
  })
})

describe('a shouldSync on a field the mapper does not select', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startApp({
      collections: [DealersWithNotes],
      sync: {
        syncOnInit: false,
        collections: {
          dealers: {
            table: 'dealers',
            mapper: dealerMapper,
            shouldSync: (doc) => (doc as { notes?: string }).notes !== 'internal',
          },
        },
      },
    })
  }, 120_000)
  afterAll(async () => {
    await app?.close()
  })

  it('decides on the real value: the internal dealer stays out, the other goes in, and validate agrees', async () => {
    const internal = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ notes: 'internal' }),
    })
    const open = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ notes: 'public' }),
    })
    await app.idle()
    const rows = await app.rows()
    expect(rows.has(String(open.id))).toBe(true)
    expect(rows.has(String(internal.id))).toBe(false)
    expect((await validateSync(app.payload)).inSync).toBe(true)
    expect(
      app.logs.lines.some(
        (l) => Array.isArray(l.unselected) && (l.unselected as string[]).includes('notes'),
      ),
    ).toBe(true)
  })
})
