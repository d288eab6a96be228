/**
 * Convergence (issue "convergence", points 6 and 7; the others: convergence.scenarios.test.ts): pull
 * never overwrites a newer edit, and reset never empties the table.
 * Each forced deterministically: the stand-in holds a request, or a save is held between its read and
 * its write (test/support/gate.ts). Each test ends by checking that Supabase equals what the mapper
 * makes of Payload, and that no job is left. The app and those checks: test/support/scenario-app.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  pullFromSupabase,
  resetTable,
  retryFailed,
  syncDocuments,
  validateSync,
} from '../src/index.js'
import { eventually, settled } from './support/app.js'
import { app, converged, create, job, useScenarioApp } from './support/scenario-app.js'

useScenarioApp()

describe('6. pull never overwrites a newer edit', () => {
  it('an edit saved while pull reads is kept, and pull says so', async () => {
    const doc = await create()
    await settled(app)
    await app.supabase.query(`update public.dealers set name = 'from Supabase' where id = $1`, [
      doc.id,
    ])
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const pulling = pullFromSupabase(app.payload, { ids: [String(doc.id)] })
    await hold.arrived
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'the editor' } })
    hold.release()
    const result = await pulling
    expect(result.pulled).toEqual([])
    expect(result.failed.map((f) => f.id)).toEqual([String(doc.id)])
    expect(result.failed[0].message).toMatch(/changed in Payload since it was read/)
    expect((await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })).name).toBe(
      'the editor',
    )
    await converged()
  })

  it('a value Payload does not keep (the mapper maps it back) is refused, not reported pulled, and Payload’s goes back', async () => {
    const doc = await create()
    await settled(app)
    const id = String(doc.id)
    // api_config.homenet_config.rooftop_id comes from the rooftop_id column on the way back.
    await app.supabase.query(
      `update public.dealers set api_config = jsonb_set(api_config, '{homenet_config,rooftop_id}', '"edited"') where id = $1`,
      [id],
    )
    const result = await pullFromSupabase(app.payload, { ids: [id] })
    expect(result.pulled).toEqual([])
    expect(result.refused).toEqual([
      { id, fields: ['api_config.homenet_config'], deliveredBack: true },
    ])
    await converged()
    expect((await validateSync(app.payload, { ids: [id] })).inSync).toBe(true)
  })

  it('a cancelled pull (Ctrl-C) pulls no further document: the rest are listed as skipped', async () => {
    const doc = await create()
    await settled(app)
    const id = String(doc.id)
    await app.supabase.query(`update public.dealers set name = 'not pulled' where id = $1`, [id])
    const stop = new AbortController()
    stop.abort()
    const result = await pullFromSupabase(app.payload, { ids: [id], signal: stop.signal })
    expect(result).toMatchObject({
      pulled: [],
      skipped: [{ id, reason: 'cancelled before it was pulled' }],
    })
    expect((await app.payload.findByID({ collection: 'dealers', id, depth: 0 })).name).toBe(
      doc.name,
    )
    await syncDocuments(app.payload, { ids: [id] })
    await converged()
  })

  it('pull without ids skips documents whose change has not reached Supabase yet', async () => {
    const doc = await create()
    await settled(app)
    await app.supabase.query(`update public.dealers set name = 'old, in Supabase' where id = $1`, [
      doc.id,
    ])
    app.stack.faults.failNext(1_000, 503, { path: 'rpc/supabase_sync_apply' })
    try {
      await app.payload.update({
        collection: 'dealers',
        id: doc.id,
        data: { name: 'new, in Payload' },
      })
      await eventually(async () =>
        expect((await job(String(doc.id)))?.totalTried ?? 0).toBeGreaterThan(0),
      )
      const result = await pullFromSupabase(app.payload)
      expect(result.pulled.map((p) => p.id)).not.toContain(String(doc.id))
      // Its delivery is waiting out a backoff, or being retried right now: skipped either way.
      expect(result.skipped).toContainEqual(
        expect.objectContaining({
          id: String(doc.id),
          reason: expect.stringMatching(/newer in Payload|under way/),
        }),
      )
    } finally {
      await app.stack.faults.clear()
    }
    expect((await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })).name).toBe(
      'new, in Payload',
    )
    await converged()
  })

  it('pull skips a document changed since its last delivery even when that delivery failed for good', async () => {
    const doc = await create()
    await settled(app)
    await app.supabase.query(`update public.dealers set name = 'old, in Supabase' where id = $1`, [
      doc.id,
    ])
    // The change's delivery is refused for this row (a check constraint): the job fails, no retry runs.
    app.stack.faults.failNext(1, 400, {
      path: 'rpc/supabase_sync_apply',
      code: '23514',
      message: 'new row violates check constraint',
    })
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'new, in Payload' },
    })
    await eventually(async () => expect((await job(String(doc.id)))?.hasError).toBe(true))
    const result = await pullFromSupabase(app.payload, { ids: [String(doc.id)] })
    expect(result.pulled).toEqual([])
    expect(result.skipped).toEqual([
      { id: String(doc.id), reason: 'newer in Payload: changed since it was last delivered' },
    ])
    expect((await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })).name).toBe(
      'new, in Payload',
    )
    // The operator retries the failed delivery; both sides end equal.
    await retryFailed(app.payload)
    await converged()
  })
})

describe('7. reset never empties the table', () => {
  it('rows stay readable while reset rewrites them; rows without documents go at the end', async () => {
    await Promise.all(Array.from({ length: 5 }, create))
    await settled(app)
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'orphan', 'orphan-reset', now())`,
    )
    const before = (await app.rows()).size
    const hold = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
    const resetting = resetTable(app.payload, { confirm: true })
    await hold.arrived
    expect((await app.rows()).size).toBe(before)
    hold.release()
    const result = await resetting
    expect(result.sync.deleted).toBe(1)
    await converged()
    const { docs } = await app.payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'reset' } },
      sort: '-createdAt',
      limit: 2,
      depth: 0,
    })
    expect(docs.map((d) => d.outcome)).toEqual(['ok', 'started'])
  })
})
