/**
 * An alert's change of state commits with its Sync event and its queued sends, or not at all: a send
 * that cannot be queued (Payload's database refuses the job once) leaves the alert as it was, and the
 * next evaluation fires it again — every channel gets it once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Config } from 'payload'
import type { Alert } from '../src/options.js'
import { eventually, runSql, settled, startApp, type TestApp } from './support/app.js'

const received: Alert[] = []
const emails: Array<{ subject?: string }> = []
let app: TestApp

const extend = (config: Config): Config => ({
  ...config,
  email: () => ({
    name: 'capture',
    defaultFromAddress: 'sync@example.com',
    defaultFromName: 'Sync',
    sendEmail: async (message) => {
      emails.push(message as { subject?: string })
    },
  }),
})

beforeAll(async () => {
  app = await startApp({
    sync: {
      alerts: {
        email: { to: ['ops@example.com'] },
        onAlert: (alert: Alert) => {
          received.push(alert)
        },
        evaluateEvery: 200,
        rules: { unreachableFor: 300, failedJobs: false, pendingOlderThan: false as const },
      },
    },
    extend,
  })
})
afterAll(async () => {
  await app?.close()
})

const firing = () =>
  received.filter((a) => a.rule === 'supabase-unreachable' && a.state === 'firing')
const firingMail = () => emails.filter((e) => /FIRING: Supabase/.test(String(e.subject)))
/** The firing alerts recorded in the Sync events. */
async function firingEvents() {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { and: [{ action: { equals: 'alert' } }, { outcome: { equals: 'firing' } }] },
    depth: 0,
    overrideAccess: true,
  })
  return docs
}

describe('an alert whose send cannot be queued', () => {
  it('is not left fired and unsent: the next evaluation fires it, each channel gets it once', async () => {
    await settled(app)
    // The alert's second send (onAlert; the e-mail's job comes first) fails to be queued, once:
    // a sequence counts the tries, and is not rolled back with them.
    await runSql(
      app.stack.databaseUri,
      `create sequence alert_job_inserts;
       create function fail_second_alert_job() returns trigger language plpgsql as $$
       begin
         if new.task_slug = 'supabase-sync-alert' and nextval('alert_job_inserts') = 2 then
           raise exception 'injected: the alert job could not be queued';
         end if;
         return new;
       end $$;
       create trigger fail_second_alert_job before insert on payload_jobs
         for each row execute function fail_second_alert_job();`,
    )
    await app.stack.faults.down()
    try {
      await eventually(async () => expect(firing()).toHaveLength(1), 30_000, 50)
      await eventually(async () => expect(firingMail()).toHaveLength(1), 30_000, 50)
      // The injected failure happened (the first try), and was logged.
      expect(
        app.logs.find(
          (l) =>
            /could not update the alert state/.test(l.msg) && l.alert === 'supabase-unreachable',
        ).length,
      ).toBeGreaterThanOrEqual(1)
    } finally {
      await app.stack.faults.up()
    }
    await eventually(
      async () =>
        expect(
          received.filter((a) => a.rule === 'supabase-unreachable' && a.state === 'resolved'),
        ).toHaveLength(1),
      30_000,
      50,
    )
    expect(firing()).toHaveLength(1)
    expect(firingMail()).toHaveLength(1)
    // One firing recorded: the try whose sends were not queued left no Sync event either.
    const docs = await firingEvents()
    expect(docs).toHaveLength(1)
  }, 90_000)

  it('nor when its Sync event cannot be written: Payload kills the transaction, and the sends are not queued outside it', async () => {
    await runSql(
      app.stack.databaseUri,
      `drop trigger fail_second_alert_job on payload_jobs;
       create sequence alert_event_inserts;
       create function fail_first_alert_event() returns trigger language plpgsql as $$
       begin
         if new.action = 'alert' and nextval('alert_event_inserts') = 1 then
           raise exception 'injected: the alert event could not be written';
         end if;
         return new;
       end $$;
       create trigger fail_first_alert_event before insert on supabase_sync_events
         for each row execute function fail_first_alert_event();`,
    )
    await app.stack.faults.down()
    try {
      await eventually(async () => expect(firing()).toHaveLength(2), 30_000, 50)
      await eventually(async () => expect(firingMail()).toHaveLength(2), 30_000, 50)
    } finally {
      await app.stack.faults.up()
    }
    await eventually(
      async () =>
        expect(
          received.filter((a) => a.rule === 'supabase-unreachable' && a.state === 'resolved'),
        ).toHaveLength(2),
      30_000,
      50,
    )
    expect(firing()).toHaveLength(2)
    expect(firingMail()).toHaveLength(2)
    const docs = await firingEvents()
    expect(docs).toHaveLength(2)
  }, 90_000)
})
