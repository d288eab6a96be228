/**
 * `reset` against a Payload without documents (a wrong database, an import not run yet): it refuses
 * rather than empty the table the Data API reads, unless forced, and every attempt is in the Sync
 * events — started, then refused, failed or ok.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetTable } from '../src/index.js'
import { dealerData, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false, retry: { retries: 0 } } })
  await app.supabase.query(
    `insert into public.dealers (id, name, slug, created_at) select gen_random_uuid(), 'only in Supabase ' || g, 'only-' || g, now() from generate_series(1, 3) g`,
  )
})
afterAll(async () => {
  await app?.close()
})

async function resetEvents(): Promise<string[]> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'reset' } },
    sort: 'createdAt',
    limit: 20,
    depth: 0,
  })
  return docs.map((d) => String(d.outcome))
}

describe('reset with no documents in Payload', () => {
  it('refuses, changing nothing, and records that it was refused', async () => {
    await expect(resetTable(app.payload, { confirm: true })).rejects.toThrow(
      /Payload has no dealers documents but the table has 3 rows/,
    )
    expect((await app.rows()).size).toBe(3)
    expect(await resetEvents()).toEqual(['started', 'refused'])
  })

  it('records a failure too (Supabase down mid-way), and leaves the rows', async () => {
    await app.stack.faults.down()
    try {
      await expect(resetTable(app.payload, { confirm: true, force: true })).rejects.toThrow()
    } finally {
      await app.stack.faults.up()
    }
    expect((await app.rows()).size).toBe(3)
    expect(await resetEvents()).toEqual(['started', 'refused', 'started', 'failed'])
  })

  it('refuses too when Payload has a few documents against many rows (more than maxDeleteFraction would go)', async () => {
    const one = await app.payload.create({
      collection: 'dealers',
      data: dealerData(),
      context: { supabaseSync: false },
    })
    try {
      await expect(resetTable(app.payload, { confirm: true })).rejects.toThrow(
        /Payload has 1 dealers documents but the table has 3 rows — at least 2 would be deleted, more than 50% of the table/,
      )
      expect((await app.rows()).size).toBe(3)
      expect((await resetEvents()).slice(-2)).toEqual(['started', 'refused'])
    } finally {
      await app.payload.delete({
        collection: 'dealers',
        id: one.id,
        context: { supabaseSync: false },
      })
    }
  })

  it('forced, makes the table equal Payload: empty', async () => {
    const result = await resetTable(app.payload, { confirm: true, force: true })
    expect(result.sync.deleted).toBe(3)
    expect((await app.rows()).size).toBe(0)
    expect(await resetEvents()).toEqual([
      'started',
      'refused',
      'started',
      'failed',
      'started',
      'refused',
      'started',
      'ok',
    ])
  })

  it('rewrites rows that were already equal without counting them as differences; a changed one is', async () => {
    const [a, b] = [
      await app.payload.create({ collection: 'dealers', data: dealerData() }),
      await app.payload.create({ collection: 'dealers', data: dealerData() }),
    ]
    await app.idle()
    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase' where id = $1`,
      [b.id],
    )
    // A trigger refuses the rewrite of a's (equal) row: failed, but still no difference.
    await app.supabase.query(
      `create function public.refuse_a() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$;
       create trigger refuse_a before update on public.dealers for each row
         when (old.id = '${a.id}'::uuid) execute function public.refuse_a()`,
    )
    try {
      const refused = await resetTable(app.payload, { confirm: true })
      expect(refused.sync.failed.map((f) => f.id)).toEqual([String(a.id)])
      expect(refused.sync.differences).toEqual({ missing: 0, changed: 1, extra: 0 })
    } finally {
      await app.supabase.query(
        'drop trigger refuse_a on public.dealers; drop function public.refuse_a()',
      )
    }
    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase' where id = $1`,
      [b.id],
    )
    const result = await resetTable(app.payload, { confirm: true })
    expect(result.sync.upserted).toBe(2)
    expect(result.sync.differences).toEqual({ missing: 0, changed: 1, extra: 0 })
    expect((await app.rows()).get(String(a.id))?.name).toBe(a.name)
    expect((await app.rows()).get(String(b.id))?.name).toBe(b.name)
  })
})
