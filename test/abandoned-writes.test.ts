/**
 * Writes through the apply function (writeMode 'rpc', the default) that the plugin gave up on and
 * that go on in Supabase's database after the plugin tried again (test/support/abandoned.ts): the
 * client's timeout fires while the statement still runs, and PostgREST (and the stand-in) lets it
 * run to its end (in its statement, or queued for a connection first). With the deadline (sql/002's not_after) such a write changes nothing; with an
 * apply function that takes none (older than the plugin) it commits, and the stale-write guard must
 * keep it from undoing a newer delivery. Either way Supabase ends as the mapper makes the documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  batchRetriedThenLate,
  deleteAfterRecreate,
  expectConverged,
  olderWriteAfterNewerSave,
} from './support/abandoned.js'
import { runSql, startApp, type TestApp } from './support/app.js'
import { statementGate, type StatementGate } from './support/statement-gate.js'

let app: TestApp
let gate: StatementGate
beforeAll(async () => {
  app = await startApp({
    sync: {
      syncOnInit: false,
      // Short, so that the plugin gives up on a held write at once; retried in-process.
      timeoutMs: 500,
      retry: { retries: 3, minTimeout: 10, maxTimeout: 50 },
      queue: { backoff: 20, maxBackoff: 100, sweepInterval: 100 },
    },
  })
  gate = await statementGate(app.stack.supabaseDbUri)
}, 120_000)
afterAll(async () => {
  await gate?.close()
  await app?.close()
})

/** The apply function's calls, as the stand-in routes them. */
const apply = { path: 'rpc/supabase_sync_apply', method: 'POST' }

/** The name in the dealer's row. */
async function name(id: string): Promise<unknown> {
  return (await app.rows()).get(id)?.name
}

describe('with the deadline: the late write is refused', () => {
  it('(a) a batch written again by the retry, then the first write ends', async () => {
    const ids = await batchRetriedThenLate(app, gate)
    await expectConverged(app, ids)
  })

  it('(b) an older save after a newer one was delivered: the newer row stays', async () => {
    const [id] = await olderWriteAfterNewerSave(app, gate)
    expect(await name(id)).toBe('newer save')
    await expectConverged(app, [id])
  })

  it('(c) a delete after the document was created again: the row stays', async () => {
    const [id] = await deleteAfterRecreate(app, apply)
    expect(await name(id)).toBe('created again')
    await expectConverged(app, [id])
  })
})

// Last: once the plugin found the function without a deadline, it calls without one for 10 minutes.
describe('without a deadline (sql/002 older than the plugin): the late write commits, the guard keeps the newer row', () => {
  beforeAll(async () => {
    await runSql(
      app.stack.supabaseDbUri,
      `alter function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) rename to supabase_sync_apply_new;
       create function public.supabase_sync_apply(target_table text, upserts jsonb default '[]', deletes jsonb default '[]',
         key_column text default 'id', version_column text default 'sync_version', delete_version bigint default null)
       returns jsonb language sql as $$ select public.supabase_sync_apply_new(target_table, upserts, deletes, key_column, version_column, delete_version, null) $$;
       grant execute on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint) to service_role`,
    )
  })
  afterAll(async () => {
    await runSql(
      app.stack.supabaseDbUri,
      `drop function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint);
       alter function public.supabase_sync_apply_new(text, jsonb, jsonb, text, text, bigint, timestamptz) rename to supabase_sync_apply`,
    )
  })

  it('(a) a batch written again by the retry, then the first write commits', async () => {
    const ids = await batchRetriedThenLate(app, gate)
    await expectConverged(app, ids)
  })

  it('(b) an older save after a newer one was delivered: the newer row stays', async () => {
    const [id] = await olderWriteAfterNewerSave(app, gate)
    expect(await name(id)).toBe('newer save')
    await expectConverged(app, [id])
  })

  it('(c) a delete after the document was created again: the row stays', async () => {
    // (a) ran first here: the plugin calls without a deadline now, so the call held is the delete.
    const [id] = await deleteAfterRecreate(app, apply)
    expect(await name(id)).toBe('created again')
    await expectConverged(app, [id])
  })
})
