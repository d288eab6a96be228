/**
 * Writes of `writeMode: 'upsert'` (plain PostgREST upserts and deletes, no apply function) that the
 * plugin gave up on and that go on in Supabase after the plugin tried again (test/support/abandoned.ts).
 * This mode has neither the deadline nor the stale-write guard, so a late older write undoes a newer
 * delivery: the documents of a write without an answer are delivered again once a late commit of it is
 * past (`retry.lateWriteRecheck`; here 10 s — each scenario lets the late write go before that, in
 * well under a second on a quiet machine; a recheck that came first would leave the late write last),
 * and Supabase ends as the mapper makes them. Before, (b) and (c) left the older row (or no row) until
 * the next reconcile.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  batchRetriedThenLate,
  deleteAfterRecreate,
  expectConverged,
  olderWriteAfterNewerSave,
} from './support/abandoned.js'
import { eventually, startApp, type TestApp } from './support/app.js'
import { statementGate, type StatementGate } from './support/statement-gate.js'

let app: TestApp
let gate: StatementGate
beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      writeMode: 'upsert',
      timeoutMs: 500,
      retry: { retries: 3, minTimeout: 10, maxTimeout: 50, lateWriteRecheck: 10_000 },
      queue: { backoff: 20, maxBackoff: 100, sweepInterval: 100 },
    },
  })
  gate = await statementGate(app.stack.supabaseDbUri)
}, 120_000)
afterAll(async () => {
  await gate?.close()
  await app?.close()
})

it('(a) a batch written again by the retry, then the first write commits: the same rows', async () => {
  const ids = await batchRetriedThenLate(app, gate)
  await expectConverged(app, ids)
})

it('(b) an older save that commits after a newer one was delivered: the newer row is written again', async () => {
  const [id] = await olderWriteAfterNewerSave(app, gate)
  await eventually(async () => expect((await app.rows()).get(id)?.name).toBe('newer save'), 30_000)
  await expectConverged(app, [id])
})

it('(c) a delete that runs after the document was created again: its row is written again', async () => {
  const [id] = await deleteAfterRecreate(app, { path: 'dealers', method: 'DELETE' })
  await eventually(
    async () => expect((await app.rows()).get(id)?.name).toBe('created again'),
    30_000,
  )
  await expectConverged(app, [id])
})
