/**
 * DDL on Payload's jobs table (a migration during a rolling deploy, a dev server's schema push) while
 * the checks queue runs: the queue's lock transaction must hold no lock on the table while its run's
 * queries (on other connections) wait. It held the row lock of its release of stale jobs: the DDL
 * waited for the transaction, the run's queries waited behind the DDL, and the instance hung.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventually, runSql, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  // No schedules and no alerts: no timer of the app's runs the checks queue; the test's call does.
  app = await startApp({
    sync: { syncOnInit: false, checks: { schedule: false }, events: { retentionDays: false } },
  })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('DDL on the jobs table while the checks queue runs', () => {
  it('neither waits for the other for good', async () => {
    // The release's statement takes a moment (a statement trigger on the table, which fires for an
    // update of no row too): the DDL arrives while it runs, and the run's first query comes after it.
    await runSql(
      app.stack.databaseUri,
      `create function slow_jobs_update() returns trigger language plpgsql as $$
       begin perform pg_sleep(0.5); return null; end $$;
       create trigger slow_jobs_update after update on payload_jobs
         for each statement execute function slow_jobs_update();`,
    )
    const ddl = new pg.Client({ connectionString: app.stack.databaseUri })
    ddl.on('error', () => {})
    await ddl.connect()
    try {
      const monitor = getRuntime(app.payload).monitor!
      const run = monitor.runChecksQueue()
      // While the release sleeps in its trigger, the DDL queues for its exclusive lock.
      await eventually(
        async () => {
          const { rows } = await ddl.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep'`,
          )
          expect(rows[0].n).toBeGreaterThan(0)
        },
        10_000,
        5,
      )
      const altered = ddl
        .query(`alter table payload_jobs alter column total_tried set default 0`)
        .catch((err: unknown) => err)
      // Both end: on the old code, the run hung behind the DDL and the DDL behind the run.
      const outcome = await Promise.race([
        Promise.all([run, altered]).then(() => 'both ended'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000).unref()),
      ])
      expect(outcome).toBe('both ended')
    } finally {
      // Ends a DDL still waiting (the old code): else the clean-up would queue behind it too.
      const pid = (ddl as unknown as { processID?: number }).processID
      if (pid) await runSql(app.stack.databaseUri, `select pg_terminate_backend(${pid})`)
      await ddl.end().catch(() => {})
      await runSql(
        app.stack.databaseUri,
        'drop trigger if exists slow_jobs_update on payload_jobs; drop function if exists slow_jobs_update()',
      ).catch(() => {})
    }
  }, 60_000)
})
