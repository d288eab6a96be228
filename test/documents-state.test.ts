/**
 * What the console and the document's sidebar box show, and the actions they take: a document's state
 * field by field (with both values), "Use Supabase value" for one field (the rest still differs),
 * "Push to Supabase", the reasons a document is not in Supabase, pending and failed deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { documentStates, pullFromSupabase, retryFailed, syncDocuments } from '../src/index.js'
import { Posts, postsLocalization, postsSync } from '../dev/collections/posts.js'
import { Dealers, dealerMapper } from '../src/index.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    collections: [Dealers, Posts],
    sync: {
      syncOnInit: false,
      collections: { dealers: { table: 'dealers', mapper: dealerMapper }, ...postsSync },
      queue: { backoff: 20, maxBackoff: 100 },
    },
    extend: (config) => ({ ...config, localization: postsLocalization }),
  })
})
afterAll(async () => {
  await app?.close()
})

const state = async (id: string | number, collection = 'dealers') =>
  (await documentStates(app.payload, { collection, ids: [String(id)] }))[0]

describe('document states', () => {
  it('in sync; then differs, field by field, with both values; Use Supabase value for one field; Push for the rest', async () => {
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ utm_config: { source: 'site' } }),
    })
    await settled(app)
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'in-sync' })

    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase', created_at = '2001-01-01T00:00:00Z', api_config = jsonb_set(api_config, '{utm_config}', '{"source": "ads"}') where id = $1`,
      [doc.id],
    )
    const differs = await state(doc.id)
    expect(differs.state).toBe('differs')
    expect(differs.fields).toEqual(
      expect.arrayContaining([
        { field: 'name', payload: doc.name, supabase: 'edited in Supabase', readOnly: false },
        {
          field: 'api_config.utm_config',
          payload: { source: 'site' },
          supabase: { source: 'ads' },
          readOnly: false,
        },
        {
          field: 'created_at',
          payload: doc.createdAt,
          supabase: expect.stringMatching(/^2001-01-01/),
          readOnly: true,
        },
      ]),
    )

    // Use Supabase value, for the UTM config only: Payload takes it; the name still differs.
    const pulled = await pullFromSupabase(app.payload, {
      ids: [String(doc.id)],
      fields: ['api_config.utm_config'],
    })
    expect(pulled.pulled).toEqual([{ id: String(doc.id), fields: ['api_config.utm_config'] }])
    expect(
      (await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })).utm_config,
    ).toEqual({ source: 'ads' })
    expect((await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })).name).toBe(
      doc.name,
    )
    // Pulling writes Payload, and Payload's row goes back to Supabase: the pulled field and the
    // columns Payload owns (created_at) are equal again, the Supabase-only name edit is overwritten.
    await settled(app)
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'in-sync' })

    // Push to Supabase (Payload's version wins).
    await app.supabase.query(`update public.dealers set name = 'edited again' where id = $1`, [
      doc.id,
    ])
    expect((await state(doc.id)).state).toBe('differs')
    await syncDocuments(app.payload, { ids: [String(doc.id)] })
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'in-sync' })
  })

  it('missing, extra, and why a document is not in Supabase', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    await app.supabase.query('delete from public.dealers where id = $1', [doc.id])
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'missing' })
    const orphan = '00000000-0000-4000-8000-000000000abc'
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values ($1, 'orphan', 'orphan-state', now())`,
      [orphan],
    )
    expect(await state(orphan)).toMatchObject({
      state: 'extra',
      reason: 'no document in Payload, but Supabase has a row',
    })

    const draft = await app.payload.create({
      collection: 'posts',
      data: { title: 'Draft', slug: `draft-${Date.now()}` },
      draft: true,
    })
    expect(await state(draft.id, 'posts')).toMatchObject({
      state: 'not-in-supabase',
      reason: 'a draft, never published (or unpublished)',
    })
    const internal = await app.payload.create({
      collection: 'posts',
      data: {
        title: 'Internal',
        slug: `internal-${Date.now()}`,
        audience: 'internal',
        _status: 'published',
      },
    })
    expect(await state(internal.id, 'posts')).toMatchObject({
      state: 'not-in-supabase',
      reason: 'kept out by shouldSync or the mapper',
    })
    const trashed = await app.payload.create({
      collection: 'posts',
      data: { title: 'Trashed', slug: `trashed-${Date.now()}`, _status: 'published' },
    })
    await app.payload.update({
      collection: 'posts',
      id: trashed.id,
      data: { deletedAt: new Date().toISOString() },
    })
    await settled(app)
    expect(await state(trashed.id, 'posts')).toMatchObject({
      state: 'not-in-supabase',
      reason: 'in the trash',
    })
  })

  it('pending (since when) while Supabase is down; failed, with the cause, until retried', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    // While its delivery is in flight (held by the stand-in): pending, since when it was queued.
    const hold = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'waiting' } })
    await hold.arrived
    const waiting = await state(doc.id)
    expect(waiting.pendingSince).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/))
    expect(waiting.state).toBe('differs')
    hold.release()
    await settled(app)
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'in-sync' })

    app.stack.faults.failNext(1, 400, {
      path: 'rpc/supabase_sync_apply',
      code: '23514',
      message: 'new row violates check constraint',
    })
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'refused once' } })
    const failed = await eventually(async () => {
      const s = await state(doc.id)
      expect(s.failure).toBeDefined()
      return s
    })
    expect(failed).toMatchObject({ state: 'differs', failure: { kind: 'row', code: '23514' } })
    await retryFailed(app.payload, { ids: [String(doc.id)] })
    expect(await state(doc.id)).toEqual({ id: String(doc.id), state: 'in-sync' })
  })
})
