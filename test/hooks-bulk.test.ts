/**
 * Bulk updates and deletes (`payload.update` / `payload.delete` with `where`, what REST's
 * `PATCH` / `DELETE /api/dealers?where=…` run) where one document fails midway.
 *
 * Payload runs the documents in one transaction and catches each one's error without rolling it
 * back: a document whose hook threw after its write keeps its change when the transaction commits,
 * and the plugin's afterChange / afterDelete, which run after the app's hooks, never ran for it. Its
 * row must follow all the same.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionConfig, Payload } from 'payload'
import { dealerMapper } from '../src/index.js'
import { compareNow, dealerData, settled, startApp, type TestApp } from './support/app.js'
import { DealersWithNotes } from './support/collections.js'

/** Ids whose next hook of the app's throws (after Payload wrote the change). */
const failing = new Set<string>()

const explode = (id: unknown) => {
  if (failing.has(String(id))) throw new Error(`the app's hook failed for ${String(id)}`)
}

const Dealers: CollectionConfig = {
  ...DealersWithNotes,
  hooks: {
    afterChange: [({ doc }) => (explode(doc.id), doc)],
    afterDelete: [({ id }) => explode(id)],
  },
}

let app: TestApp
let payload: Payload

beforeAll(async () => {
  app = await startApp({ collections: [Dealers] })
  payload = app.payload
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})
beforeEach(() => failing.clear())

async function twoDealers(): Promise<[string, string]> {
  const a = await payload.create({ collection: 'dealers', data: dealerData() })
  const b = await payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
  return [String(a.id), String(b.id)]
}

const mapped = (doc: unknown) => dealerMapper.toRow(doc as never)!

describe('a bulk operation with a failing document', () => {
  it('update: the failed document keeps its change in Payload, and its row follows', async () => {
    const [a, b] = await twoDealers()
    failing.add(a)
    const result = await payload.update({
      collection: 'dealers',
      where: { id: { in: [a, b] } },
      data: { name: 'Renamed in bulk' },
    })
    expect(result.errors.map((e) => String(e.id))).toEqual([a])
    // Payload committed the failed document's write all the same.
    const doc = await payload.findByID({ collection: 'dealers', id: a, depth: 0 })
    expect(doc.name).toBe('Renamed in bulk')

    await settled(app)
    const rows = await app.rows()
    expect(rows.get(a)?.name).toBe(mapped(doc).name)
    expect(rows.get(b)?.name).toBe('Renamed in bulk')
    const summary = await compareNow(payload, 'dealers', [a, b])
    expect(summary.diff.changed).toEqual([])
  })

  it('delete: the failed document is gone from Payload, and so is its row', async () => {
    const [a, b] = await twoDealers()
    failing.add(a)
    const result = await payload.delete({
      collection: 'dealers',
      where: { id: { in: [a, b] } },
    })
    expect(result.errors.map((e) => String(e.id))).toEqual([a])
    const left = await payload.find({ collection: 'dealers', where: { id: { in: [a, b] } } })
    expect(left.docs).toEqual([])

    await settled(app)
    const rows = await app.rows()
    expect(rows.has(a)).toBe(false)
    expect(rows.has(b)).toBe(false)
  })

  it('a database error rolls the whole operation back: Payload answers as before, nothing changes', async () => {
    const [a, b] = await twoDealers()
    const before = await app.rows()
    // Both take one unique slug: the second write fails in PostgreSQL, which aborts the transaction.
    const result = await payload.update({
      collection: 'dealers',
      where: { id: { in: [a, b] } },
      data: { slug: `same-${a}` },
    })
    expect(result.errors.length).toBeGreaterThan(0)
    const { docs } = await payload.find({ collection: 'dealers', where: { id: { in: [a, b] } } })
    expect(docs.map((d) => d.slug).sort()).toEqual(
      [before.get(a)?.slug, before.get(b)?.slug].sort(),
    )
    await settled(app)
    const after = await app.rows()
    expect(after.get(a)).toEqual(before.get(a))
    expect(after.get(b)).toEqual(before.get(b))
  })

  it('a bulk update with no failure queues as before', async () => {
    const [a, b] = await twoDealers()
    const result = await payload.update({
      collection: 'dealers',
      where: { id: { in: [a, b] } },
      data: { name: 'All renamed' },
    })
    expect(result.errors).toEqual([])
    await settled(app)
    const rows = await app.rows()
    expect([rows.get(a)?.name, rows.get(b)?.name]).toEqual(['All renamed', 'All renamed'])
  })
})
