/**
 * The ways Supabase used to end up different from Payload with nothing left to repair it (issue
 * "convergence", points 1-8): here the reconcile racing concurrent changes (1) and transient failures
 * (2); saves: convergence.save-order.test.ts; pull and reset: convergence.pull-reset.test.ts; max-rows
 * and unique values: convergence.batches.test.ts.
 * Each forced deterministically: the stand-in holds a request, or a save is held between its read and
 * its write (test/support/gate.ts). Each test ends by checking that Supabase equals what the mapper
 * makes of Payload, and that no job is left. The app and those checks: test/support/scenario-app.ts.
 */
import { describe, expect, it } from 'vitest'
import { syncDocuments } from '../src/index.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { eventually, reconcileNow, settled, runSql } from './support/app.js'
import { app, converged, create, job, useScenarioApp } from './support/scenario-app.js'

useScenarioApp()

describe('1. the reconcile never writes what it read before a concurrent change', () => {
  it('a document deleted while the reconcile reads Supabase does not come back', async () => {
    const doc = await create()
    await settled(app)
    // Drift the reconcile will want to repair: the row is missing.
    await app.supabase.query('delete from public.dealers where id = $1', [doc.id])
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const reconciling = reconcileNow(app.payload)
    await hold.arrived
    await app.payload.delete({ collection: 'dealers', id: doc.id })
    hold.release()
    await reconciling
    await converged()
    expect((await app.rows()).has(String(doc.id))).toBe(false)
  })

  it('a document created while the reconcile reads Supabase keeps its row', async () => {
    // Other rows, so that deleting one would be within the mass-delete guard.
    await Promise.all([create(), create()])
    await settled(app)
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const reconciling = reconcileNow(app.payload)
    await hold.arrived
    const doc = await create()
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    hold.release()
    await reconciling
    await converged()
    expect((await app.rows()).has(String(doc.id))).toBe(true)
  })
})

describe('2. nothing gives up on a transient failure', () => {
  it('an outage longer than the whole retry schedule of before (30 attempts) ends in delivery, without a restart', async () => {
    await app.stack.faults.down()
    try {
      const doc = await create()
      await eventually(
        async () => expect((await job(String(doc.id)))?.totalTried ?? 0).toBeGreaterThan(31),
        60_000,
        100,
      )
      expect((await job(String(doc.id)))?.hasError).toBe(false)
    } finally {
      await app.stack.faults.up()
    }
    await converged()
  }, 90_000)

  it('a statement timeout (500 with SQLSTATE 57014) is tried again, not cancelled', async () => {
    app.stack.faults.failNext(3, 500, {
      code: '57014',
      message: 'canceling statement due to statement timeout',
      path: 'rpc/supabase_sync_apply',
    })
    const doc = await create()
    await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    await converged()
  })

  it('a batch that times out however often it is tried (its size is the cause) is split until it passes', async () => {
    // A statement-level trigger that takes more than 5 new rows at once past the statement timeout:
    // 57014, which the apply function's exception handler cannot catch, so the whole call fails.
    await runSql(
      app.stack.supabaseDbUri,
      `create function public.slow_batches() returns trigger language plpgsql as $$
       begin
         if (select count(*) from new_rows) > 5 then
           raise exception 'canceling statement due to statement timeout' using errcode = '57014';
         end if;
         return null;
       end $$;
       create trigger slow_batches after insert on public.dealers referencing new table as new_rows
         for each statement execute function public.slow_batches();`,
    )
    try {
      const docs = []
      for (let i = 0; i < 20; i++) docs.push(await create())
      await settled(app)
      const ids = docs.map((d) => String(d.id))
      // Their rows go; the reconcile finds all 20 missing and writes them in one batch.
      await runSql(
        app.stack.supabaseDbUri,
        `delete from public.dealers where id in (${ids.map((id) => `'${id}'`).join(',')})`,
      )
      const summary = await reconcileNow(app.payload)
      expect(summary.failed).toEqual([])
      expect(summary.upserted).toBe(20)
      const rows = await app.rows()
      for (const id of ids) expect(rows.has(id)).toBe(true)
    } finally {
      await runSql(
        app.stack.supabaseDbUri,
        'drop trigger slow_batches on public.dealers; drop function public.slow_batches()',
      )
    }
    await converged()
  })

  it('a column the mapper writes that the table lacks pauses delivery (nothing dropped, nothing given up) until it is added', async () => {
    const doc = await create()
    await settled(app)
    app.logs.clear()
    await runSql(app.stack.supabaseDbUri, 'alter table public.dealers drop column rooftop_id')
    try {
      await app.payload.update({
        collection: 'dealers',
        id: doc.id,
        data: { name: 'ahead of a migration' },
      })
      await eventually(async () =>
        expect(app.logs.find((l) => l.op === 'pause')).not.toHaveLength(0),
      )
      const paused = app.logs.find((l) => l.op === 'pause')[0]
      expect(String(paused.msg)).toMatch(/has no column rooftop_id/)
      // The apply function of v1 wrote the other columns and called it done: the name would be here.
      expect((await app.rows()).get(String(doc.id))?.name).not.toBe('ahead of a migration')
      expect((await job(String(doc.id)))?.hasError).toBe(false)
    } finally {
      await runSql(app.stack.supabaseDbUri, 'alter table public.dealers add column rooftop_id text')
    }
    await eventually(
      async () => expect((await app.rows()).get(String(doc.id))?.name).toBe('ahead of a migration'),
      20_000,
    )
    // Dropping the column took the other dealers' values with it (this test's doing): a sync puts
    // them back.
    await syncDocuments(app.payload)
    await converged()
  })

  it('a table without the version column (no guard) is written, not refused for it', async () => {
    await runSql(app.stack.supabaseDbUri, 'alter table public.dealers drop column sync_version')
    try {
      const doc = await create()
      await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
    } finally {
      await runSql(
        app.stack.supabaseDbUri,
        'alter table public.dealers add column sync_version bigint',
      )
    }
    await converged()
  })

  it.each([
    [401, 'PGRST301', 'the key was rotated'],
    [404, 'PGRST205', 'the table is missing while a migration runs'],
  ])(
    'a %s %s of the endpoint (%s) pauses delivery and resumes it, cancelling nothing',
    async (status, code) => {
      app.logs.clear()
      app.stack.faults.failNext(8, status, { code })
      const doc = await create()
      await eventually(async () =>
        expect(app.logs.find((l) => l.op === 'pause')).not.toHaveLength(0),
      )
      expect((await job(String(doc.id)))?.hasError).toBe(false)
      await eventually(
        async () => expect((await app.rows()).has(String(doc.id))).toBe(true),
        20_000,
      )
      // (Logged once the delivery that went through returns: just after its row appears.)
      await eventually(async () =>
        expect(app.logs.find((l) => l.op === 'resume')).not.toHaveLength(0),
      )
      await converged()
    },
  )
  it('a table really missing (renamed away) keeps delivery paused through its probes, however they are answered', async () => {
    // The probe's answer is a 404 with PGRST205 or 42P01; as the answer to a HEAD it would have no
    // body, and postgrest-js takes a 404 without one for success: delivery "resumed" at each probe.
    app.logs.clear()
    await runSql(app.stack.supabaseDbUri, 'alter table public.dealers rename to dealers_away')
    let doc: Awaited<ReturnType<typeof create>> | undefined
    try {
      doc = await create()
      await eventually(async () =>
        expect(app.logs.find((l) => l.op === 'pause')).not.toHaveLength(0),
      )
      app.stack.resetStats()
      await eventually(async () =>
        expect(
          (app.stack.stats().byTable.dealers?.GET ?? 0) +
            (app.stack.stats().byTable.dealers?.HEAD ?? 0),
        ).toBeGreaterThanOrEqual(3),
      )
      expect(app.logs.find((l) => l.op === 'resume')).toEqual([])
      expect((await job(String(doc.id)))?.hasError).toBe(false)
      // Nor does the table count 0 rows (status, the mass-delete guard): it is an error.
      const { target } = getRuntime(app.payload)
      await expect(target.count(syncedCollection(getRuntime(app.payload)).spec)).rejects.toThrow(
        /dealers/,
      )
    } finally {
      await runSql(app.stack.supabaseDbUri, 'alter table public.dealers_away rename to dealers')
    }
    await eventually(async () => expect((await app.rows()).has(String(doc!.id))).toBe(true), 20_000)
    await eventually(async () =>
      expect(app.logs.find((l) => l.op === 'resume')).not.toHaveLength(0),
    )
    await converged()
  }, 60_000)
})
