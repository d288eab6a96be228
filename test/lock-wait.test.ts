/**
 * A batch waiting for a lock at the plugin's default wait (timeoutMs 15 s), under hosted Supabase's
 * statement timeout (8 s: service_role inherits the authenticator's; the stand-in's default). The
 * apply function's lock_timeout must answer before the statement timeout does: 55P03 is tried again
 * whole, while 57014 would be taken for a batch too big and split, each half waiting 8 s again.
 * One test, and a slow one (it waits ~8 s): the only one at the production defaults.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dealerMapper } from '../src/index.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { dealerData, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp
beforeAll(async () => {
  // timeoutMs left at its default; no retries, so that the one outcome is the first answer's.
  app = await startApp({ sync: { syncOnInit: false, retry: { retries: 0 } } })
}, 120_000)
afterAll(async () => {
  await app?.close()
})

it('a batch waiting on a row lock answers 55P03 in one request, before the 8 s statement timeout', async () => {
  const docs = [
    await app.payload.create({ collection: 'dealers', data: dealerData() }),
    await app.payload.create({ collection: 'dealers', data: dealerData() }),
  ]
  await settled(app)
  const ids = docs.map((d) => String(d.id))
  const holder = new pg.Client({ connectionString: app.stack.supabaseDbUri })
  await holder.connect()
  try {
    await holder.query('begin')
    await holder.query('select 1 from public.dealers where id::text = any($1::text[]) for update', [
      ids,
    ])
    const runtime = getRuntime(app.payload)
    const outcome = await runtime.target.apply(
      syncedCollection(runtime).spec,
      { upserts: docs.map((d) => dealerMapper.toRow(d as never)!), deletes: [], version: null },
      500,
    )
    expect([...outcome.failed.values()].map((e) => [e.kind, e.code])).toEqual([
      ['transient', '55P03'],
      ['transient', '55P03'],
    ])
    // One request: answered by the lock timeout (55P03), not cut by the statement timeout (57014)
    // and split.
    expect(outcome.requests).toBe(1)
  } finally {
    await holder.query('rollback')
    await holder.end()
  }
}, 60_000)
