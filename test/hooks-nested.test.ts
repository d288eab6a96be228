/**
 * The app's own hooks around the plugin's, on one request: an afterChange that saves the document
 * again (a nested save with `req`, Payload's documented pattern), and a hook after the plugin's that
 * throws (the save rolls back — its job with it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionConfig, Payload } from 'payload'
import { dealerMapper, pullFromSupabase } from '../src/index.js'
import { compareNow, dealerData, settled, startApp, type TestApp } from './support/app.js'
import { DealersWithNotes } from './support/collections.js'

/** Ids whose updateByID fails in the app's afterOperation (after the plugin's afterChange queued). */
const failing = new Set<string>()

const Dealers: CollectionConfig = {
  ...DealersWithNotes,
  hooks: {
    afterChange: [
      // Stamps each save into `notes` with a second save of the same document, once per request.
      async ({ doc, req, context }) => {
        if (context.stamped) return doc
        context.stamped = true
        return req.payload.update({
          collection: 'dealers',
          id: doc.id,
          data: { notes: `saved as ${String(doc.name)}` },
          req,
          depth: 0,
        })
      },
    ],
    afterOperation: [
      ({ operation, result }) => {
        const id = String((result as { id?: unknown } | undefined)?.id)
        if (operation === 'updateByID' && failing.has(id)) throw new Error(`refused ${id}`)
        return result
      },
    ],
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

const read = (id: string) => payload.findByID({ collection: 'dealers', id, depth: 0 })
const syncJobs = async (id: string) =>
  (
    await payload.count({
      collection: 'payload-jobs',
      where: { 'input.id': { equals: id } } as never,
      overrideAccess: true,
    })
  ).totalDocs

async function dealer(): Promise<string> {
  const doc = await payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
  return String(doc.id)
}

describe("the app's afterChange saves the document again", () => {
  it('the row is what the mapper makes of the document after both saves', async () => {
    const id = await dealer()
    await payload.update({ collection: 'dealers', id, data: { name: 'Outer name' } })
    const doc = await read(id)
    expect(doc.notes).toBe('saved as Outer name')
    await settled(app)
    expect((await app.rows()).get(id)?.name).toBe(dealerMapper.toRow(doc as never)!.name)
    expect((await compareNow(payload, 'dealers', [id])).diff.changed).toEqual([])
  })

  it('a pull of such a document lands (its nested save is not taken for a concurrent edit)', async () => {
    const id = await dealer()
    await app.supabase.query(
      `update public.dealers set name = 'Edited in Supabase' where id = $1`,
      [id],
    )
    const result = await pullFromSupabase(payload, { collection: 'dealers', ids: [id] })
    expect(result.failed).toEqual([])
    expect(result.pulled.map((p) => p.id)).toEqual([id])
    const doc = await read(id)
    expect(doc.name).toBe('Edited in Supabase')
    expect(doc.notes).toBe('saved as Edited in Supabase')
    await settled(app)
    expect((await compareNow(payload, 'dealers', [id])).diff.changed).toEqual([])
  })
})

describe('a hook after the plugin’s throws', () => {
  it('the save rolls back, and the job it queued with it: Payload and Supabase keep the old name', async () => {
    const id = await dealer()
    const before = await read(id)
    failing.add(id)
    await expect(
      payload.update({ collection: 'dealers', id, data: { name: 'Never saved' } }),
    ).rejects.toThrow(/refused/)
    expect((await read(id)).name).toBe(before.name)
    expect(await syncJobs(id)).toBe(0)
    await settled(app)
    expect((await app.rows()).get(id)?.name).toBe(before.name)
  })
})
