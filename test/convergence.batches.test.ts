/**
 * Convergence (issue "convergence", point 8 and after; the others: convergence.scenarios.test.ts):
 * requests within Supabase's max-rows, and unique values swapped while Supabase was away.
 * Each forced deterministically: the stand-in holds a request, or a save is held between its read and
 * its write (test/support/gate.ts). Each test ends by checking that Supabase equals what the mapper
 * makes of Payload, and that no job is left. The app and those checks: test/support/scenario-app.ts.
 */
import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { syncDocuments, validateSync } from '../src/index.js'
import { lockNamespace } from '../src/queue/locks.js'
import { dealerData, eventually, settled, runSql } from './support/app.js'
import { app, conflicts, converged, create, job, useScenarioApp } from './support/scenario-app.js'

useScenarioApp()

describe('8. max-rows (1,000 on hosted Supabase)', () => {
  it('a bulk edit larger than max-rows is written whole: no row lost, no bogus conflict', async () => {
    const tag = `bulk-${Date.now()}`
    for (let i = 0; i < 1_300; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          app.payload.create({
            collection: 'dealers',
            data: dealerData({ domain: tag }),
            context: { supabaseSync: false },
          }),
        ),
      )
    }
    const synced = await syncDocuments(app.payload)
    expect(synced.failed).toEqual([])
    expect(synced.upserted).toBeGreaterThanOrEqual(1_300)
    await app.payload.update({
      collection: 'dealers',
      where: { domain: { equals: tag } },
      data: { custom_config: { bulk: true } },
    })
    await converged()
    expect(await conflicts()).toBe(0)
    expect((await validateSync(app.payload, { record: false })).inSync).toBe(true)
    // 1,300 saves and a bulk edit of them: minutes on a 2-core machine busy with other work.
  }, 300_000)

  it('a batch refused as a whole (413) is split until the rows pass, not cancelled', async () => {
    const tag = `split-${Date.now()}`
    await Promise.all(
      Array.from({ length: 10 }, () =>
        app.payload.create({ collection: 'dealers', data: dealerData({ domain: tag }) }),
      ),
    )
    await settled(app)
    app.stack.faults.failNext(1, 413, {
      path: 'rpc/supabase_sync_apply',
      code: 'PGRST413',
      message: 'Payload Too Large',
    })
    await app.payload.update({
      collection: 'dealers',
      where: { domain: { equals: tag } },
      data: { name: 'one batch' },
    })
    await converged()
  })
})

describe('9. unique values swapped while Supabase was away', () => {
  /**
   * Two dealers that trade slugs while Supabase is down (a → tmp, b → a's, a → b's), and `meanwhile`
   * before it comes back; the new slugs of a and b.
   */
  async function tradeSlugs(
    a: { id: string | number; slug?: unknown },
    b: { id: string | number; slug?: unknown },
    meanwhile: () => Promise<unknown> = async () => {},
  ): Promise<{ x: string; y: string }> {
    const [x, y] = [String(a.slug), String(b.slug)]
    await app.stack.faults.down()
    try {
      await app.payload.update({ collection: 'dealers', id: a.id, data: { slug: `${x}-tmp` } })
      await app.payload.update({ collection: 'dealers', id: b.id, data: { slug: x } })
      await app.payload.update({ collection: 'dealers', id: a.id, data: { slug: y } })
      await meanwhile()
    } finally {
      await app.stack.faults.up()
    }
    return { x, y }
  }

  /** Given up on a conflict (conflictAttempts): it will not be due again by itself. */
  const givenUp = (doc: { id: string | number }) =>
    eventually(async () =>
      expect(await job(String(doc.id))).toMatchObject({
        hasError: true,
        error: { kind: 'conflict' },
      }),
    )

  /**
   * a and b trade slugs and are delivered apart: a's lock is held while they trade, so its
   * deliveries find it busy and b goes alone, conflicting with a's row until it is given up; then
   * a goes, alone. The new slugs of a and b, once both rows hold them.
   */
  async function tradeApart(
    a: { id: string | number; slug?: unknown },
    b: { id: string | number; slug?: unknown },
  ): Promise<{ x: string; y: string }> {
    const holder = new pg.Client({ connectionString: app.stack.databaseUri })
    await holder.connect()
    await holder.query(`select pg_advisory_lock(${lockNamespace}, hashtext($1))`, [
      `dealers:${a.id}`,
    ])
    let slugs: { x: string; y: string }
    try {
      slugs = await tradeSlugs(a, b)
      await givenUp(b)
    } finally {
      await holder.query(`select pg_advisory_unlock(${lockNamespace}, hashtext($1))`, [
        `dealers:${a.id}`,
      ])
      await holder.end()
    }
    await eventually(async () => {
      const rows = await app.rows()
      expect(rows.get(String(a.id))?.slug).toBe(slugs.y)
      expect(rows.get(String(b.id))?.slug).toBe(slugs.x)
    }, 10_000)
    return slugs
  }

  it('two dealers that traded slugs both land, in one batch', async () => {
    const a = await create()
    const b = await create()
    await settled(app)
    const { x, y } = await tradeSlugs(a, b)
    await converged()
    const rows = await app.rows()
    expect(rows.get(String(a.id))?.slug).toBe(y)
    expect(rows.get(String(b.id))?.slug).toBe(x)
  }, 60_000)

  it('…and with a row Supabase refuses in the same batch: the two still land, only that one fails', async () => {
    const a = await create()
    const b = await create()
    const c = await create()
    await settled(app)
    await runSql(
      app.stack.supabaseDbUri,
      `alter table public.dealers add constraint not_refused check (domain is distinct from 'refused.example') not valid`,
    )
    try {
      const { x, y } = await tradeSlugs(a, b, () =>
        app.payload.update({
          collection: 'dealers',
          id: c.id,
          data: { domain: 'refused.example' },
        }),
      )
      // In one batch its statement fails for c, then row by row a and b fail on each other's slug,
      // and together they pass. (Batches apart, partners.ts brings them together: the next test.)
      await eventually(async () => expect((await job(String(c.id)))?.hasError).toBe(true), 20_000)
      await eventually(async () => {
        const rows = await app.rows()
        expect(rows.get(String(a.id))?.slug).toBe(y)
        expect(rows.get(String(b.id))?.slug).toBe(x)
      })
      expect((await job(String(c.id)))?.error).toMatchObject({ code: '23514' })
    } finally {
      await runSql(
        app.stack.supabaseDbUri,
        'alter table public.dealers drop constraint not_refused',
      )
    }
    await syncDocuments(app.payload, { ids: [String(c.id)] })
    await converged()
  }, 60_000)

  it('…and delivered apart: the second one takes the first along, even when the first was given up', async () => {
    const a = await create()
    const b = await create()
    await settled(app)
    // a goes after b was given up: on the old code it conflicted with b's row until it was given up too.
    await tradeApart(a, b)
    // The rows land before the delivery's bookkeeping commits in Payload's database: waited for.
    await eventually(async () => expect(await job(String(b.id))).toBeUndefined())
    await converged()
  }, 60_000)

  it('…and with a third document given up for good on a conflict riding along: the two still land', async () => {
    // c takes a slug that a row without a document holds in Supabase: refused until given up, and
    // from then on a partner of every conflict of the collection (partners.ts).
    const [a, b, c] = [await create(), await create(), await create()]
    await settled(app)
    const taken = `taken-${c.id}`
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'outsider', $1, now())`,
      [taken],
    )
    try {
      await app.payload.update({ collection: 'dealers', id: c.id, data: { slug: taken } })
      await givenUp(c)
      // a and b trade slugs, delivered apart as in the test before: the rows tried together are a,
      // b and c, and c's is refused whoever goes with it.
      // (c's job is not asserted: riding along, a try that fails for a passing reason — a deadline on
      // a loaded machine — makes it retrying again, which is as it should be.)
      await tradeApart(a, b)
    } finally {
      await app.supabase.query(`delete from public.dealers where slug = $1 and name = 'outsider'`, [
        taken,
      ])
    }
    await syncDocuments(app.payload, { ids: [String(c.id)] })
    await converged()
  }, 60_000)

  it('…and with two documents given up for good riding along: the two still land', async () => {
    // Leaving one row out of those tried together (sql/002 v3) freed the trade of one such rider;
    // with two, every set tried held one of them, and the swap failed for ever.
    const [a, b, c, d] = [await create(), await create(), await create(), await create()]
    await settled(app)
    const taken = [`taken-${c.id}`, `taken-${d.id}`]
    for (const slug of taken)
      await app.supabase.query(
        `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'outsider', $1, now())`,
        [slug],
      )
    try {
      await app.payload.update({ collection: 'dealers', id: c.id, data: { slug: taken[0] } })
      await app.payload.update({ collection: 'dealers', id: d.id, data: { slug: taken[1] } })
      await givenUp(c)
      await givenUp(d)
      // (Nor c's and d's jobs, as in the test before.)
      await tradeApart(a, b)
    } finally {
      await app.supabase.query(
        `delete from public.dealers where slug = any($1) and name = 'outsider'`,
        [taken],
      )
    }
    await syncDocuments(app.payload, { ids: [String(c.id), String(d.id)] })
    await converged()
  }, 60_000)
})
