/**
 * `writeMode: 'upsert'`: for projects that cannot install `supabase_sync_apply`, rows go through
 * PostgREST's plain upsert and delete. Saves, deletes and bulk edits still reach Supabase; a bad row in
 * a batch is isolated by splitting, the others are written, and the bad one is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { writeMode: 'upsert', queue: { backoff: 50, maxBackoff: 200 } } })
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

const posts = (table: string) => app.stack.stats().byTable[table]?.POST ?? 0

describe("writeMode: 'upsert'", () => {
  it('create, update, delete and a bulk edit reach Supabase without the apply function', async () => {
    app.stack.resetStats()
    const tag = `plain-${Date.now()}`
    const docs = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.payload.create({ collection: 'dealers', data: dealerData({ domain: tag }) }),
      ),
    )
    await app.payload.update({ collection: 'dealers', id: docs[0].id, data: { name: 'renamed' } })
    await app.payload.delete({ collection: 'dealers', id: docs[1].id })
    await app.payload.update({
      collection: 'dealers',
      where: { domain: { equals: tag } },
      data: { homenet_config: { rooftop_id: 'PLAIN' } },
    })
    await settled(app)
    await eventually(async () => {
      const rows = await app.rows()
      expect(rows.has(String(docs[1].id))).toBe(false)
      expect(rows.get(String(docs[0].id))).toMatchObject({ name: 'renamed', rooftop_id: 'PLAIN' })
      for (const doc of docs.slice(2))
        expect(rows.get(String(doc.id))).toMatchObject({ name: doc.name, rooftop_id: 'PLAIN' })
    })
    const stats = app.stack.stats().byTable
    expect(stats['rpc/supabase_sync_apply']).toBeUndefined()
    expect(posts('dealers')).toBeGreaterThan(0)
    expect(stats.dealers?.DELETE ?? 0).toBeGreaterThan(0)
  })

  it('a row Supabase refuses is split out of its batch: the others are written, it is named', async () => {
    const tag = `plain-bad-${Date.now()}`
    const docs = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.payload.create({ collection: 'dealers', data: dealerData({ domain: tag }) }),
      ),
    )
    await settled(app)
    const bad = docs[3]
    await app.supabase.query(
      `alter table public.dealers add constraint plain_no_bad_slug check (slug <> '${String(bad.slug)}') not valid`,
    )
    try {
      await app.payload.update({
        collection: 'dealers',
        where: { domain: { equals: tag } },
        data: { name: 'plain batch' },
      })
      await eventually(async () => {
        const line = app.logs.find((l) => l.id === String(bad.id) && l.outcome === 'failed')[0]
        expect(line).toMatchObject({ collection: 'dealers', code: '23514' })
      })
      const rows = await app.rows()
      for (const doc of docs)
        expect(rows.get(String(doc.id))?.name).toBe(doc.id === bad.id ? doc.name : 'plain batch')
    } finally {
      await app.supabase.query(`alter table public.dealers drop constraint plain_no_bad_slug`)
    }
  })
})
