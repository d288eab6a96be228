/**
 * The core promise on real Payload + the local stack: every create, update and delete reaches
 * Supabase as exactly the mapped row; a rolled-back save sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerMapper } from '../src/index.js'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  // No sweep: every delivery here is started by the commit of its save, nothing else.
  app = await startApp({ sync: { queue: { sweepInterval: false } } })
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

const jobsOf = async (id: string) => {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    limit: 100,
  })
  return docs
}

describe('create, update, delete', () => {
  it('a created dealer appears in Supabase as exactly its mapped row', async () => {
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ platforms: ['homenet', 'custom'], utm_config: { source: 'od' } }),
    })
    const row = await eventually(async () => {
      const r = (await app.rows()).get(String(doc.id))
      expect(r).toBeDefined()
      return r!
    })
    const expected = dealerMapper.toRow(doc as never)!
    expect(row).toMatchObject({
      id: expected.id,
      name: expected.name,
      slug: expected.slug,
      domain: expected.domain,
      rooftop_id: expected.rooftop_id,
      api_config: expected.api_config,
    })
    expect(Date.parse(String(row.created_at))).toBe(Date.parse(String(doc.createdAt)))
    expect(Date.parse(String(row.updated_at))).toBe(Date.parse(String(doc.updatedAt)))
    // The log line follows the write: it is written once the delivery's bookkeeping has committed.
    const logLine = await eventually(async () => {
      const lines = app.logs.find(
        (l) => l.id === String(doc.id) && l.op === 'upsert' && l.outcome === 'written',
      )
      expect(lines).not.toHaveLength(0)
      return lines
    })
    expect(logLine[0]).toMatchObject({ collection: 'dealers', attempts: 1 })
    expect(typeof logLine[0].ms).toBe('number')
  })

  it('an update of a nested field (homenet_config.rooftop_id) reaches both rooftop_id and api_config', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { homenet_config: { rooftop_id: 'ROOF-99' }, name: 'Renamed' },
    })
    await eventually(async () => {
      const row = (await app.rows()).get(String(doc.id))!
      expect(row.rooftop_id).toBe('ROOF-99')
      expect(row.name).toBe('Renamed')
      expect(
        (row.api_config as { homenet_config: { rooftop_id: string } }).homenet_config.rooftop_id,
      ).toBe('ROOF-99')
    })
  })

  it('a delete removes the row', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await app.payload.delete({ collection: 'dealers', id: doc.id })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(false))
  })

  it('a bulk update by where reaches every row', async () => {
    const tag = `bulk-${Date.now()}`
    const docs = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.payload.create({ collection: 'dealers', data: dealerData({ domain: tag }) }),
      ),
    )
    await app.payload.update({
      collection: 'dealers',
      where: { domain: { equals: tag } },
      data: { name: 'Bulk renamed' },
    })
    await eventually(async () => {
      const rows = await app.rows()
      for (const doc of docs) expect(rows.get(String(doc.id))?.name).toBe('Bulk renamed')
    })
  })

  it('a save rolled back by a later failure sends nothing and leaves no job', async () => {
    const data = dealerData()
    const req = await import('payload').then(({ createLocalReq }) =>
      createLocalReq({}, app.payload),
    )
    const { initTransaction, killTransaction } = await import('payload')
    await initTransaction(req)
    const doc = await app.payload.create({ collection: 'dealers', data, req })
    // Queued inside the transaction...
    await killTransaction(req)
    // ...and gone with it.
    await app.idle()
    expect(
      await app.payload
        .find({ collection: 'dealers', where: { slug: { equals: data.slug } } })
        .then((r) => r.totalDocs),
    ).toBe(0)
    expect((await app.rows()).has(String(doc.id))).toBe(false)
    expect(await jobsOf(String(doc.id))).toHaveLength(0)
  })

  it('context.skipSupabaseSync skips the sync of that operation', async () => {
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData(),
      context: { skipSupabaseSync: true },
    })
    await app.idle()
    expect((await app.rows()).has(String(doc.id))).toBe(false)
    expect(await jobsOf(String(doc.id))).toHaveLength(0)
  })

  it('a single save is delivered by its own commit, not held for a batch or a sweep', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await app.idle()
    app.stack.resetStats()
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'one save' } })
    await eventually(async () =>
      expect((await app.rows()).get(String(doc.id))?.name).toBe('one save'),
    )
    await app.idle()
    expect(app.stack.stats().byTable['rpc/supabase_sync_apply']?.POST).toBe(1)
  })

  it('a save that changes no synced column queues nothing', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await app.idle()
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: doc.name } })
    expect(await jobsOf(String(doc.id))).toHaveLength(0)
  })
})
