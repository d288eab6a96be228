/**
 * A delivery's transaction (which holds its documents' locks across requests to Supabase) outlives a
 * host's `idle_in_transaction_session_timeout` shorter than a request.
 * The lock that keeps one sync (or validate) of a collection at a time is held for the whole run: a
 * server's `idle_in_transaction_session_timeout` does not end it mid-run (the run then reported
 * failed at its commit, and a second run could have started beside it), and a run whose lock goes all
 * the same (its session ended) stops between pages, saying so, instead of running on unlocked.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { CancelledError, LockLostError, validateSync, whenIdle } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { exclusive, isBusy, operationsNamespace } from '../src/ops/exclusive.js'
import { PayloadDatabase } from '../src/queue/database.js'
import { dealerData, deliveredName, eventually, silencePools, startPayload } from './support/app.js'
import { seedDealersSql } from './support/seed.js'

const COUNT = 2_000
let stack: LocalStack
let payload: Payload

beforeAll(async () => {
  stack = await startLocalStack()
  // Every connection of Payload's pool ends a transaction left idle for 2 s, as some hosts set it.
  const uri = new URL(stack.databaseUri)
  uri.searchParams.set('options', '-c idle_in_transaction_session_timeout=2000')
  ;({ payload } = await startPayload(stack, {
    databaseUri: uri.toString(),
    sync: {
      syncOnInit: false,
      // Small pages: many of them, so that a run has pages left when its lock goes.
      collections: { dealers: { table: 'dealers', pageSize: 100 } },
    },
  }))
  await seedDealersSql(stack.databaseUri, COUNT)
}, 120_000)
afterAll(async () => {
  await stack?.faults.clear()
  await payload?.destroy().catch(() => {})
  silencePools()
  await stack?.stop()
})

/** The backend pid holding an operation's lock, from outside the app. */
async function lockHolder(): Promise<number | undefined> {
  const db = new pg.Client({ connectionString: stack.databaseUri })
  await db.connect()
  try {
    const { rows } = await db.query<{ pid: number }>(
      `select pid from pg_locks where locktype = 'advisory' and classid = $1 and granted`,
      [operationsNamespace],
    )
    return rows[0]?.pid
  } finally {
    await db.end()
  }
}

async function terminate(pid: number): Promise<void> {
  const db = new pg.Client({ connectionString: stack.databaseUri })
  await db.connect()
  try {
    await db.query('select pg_terminate_backend($1)', [pid])
  } finally {
    await db.end()
  }
}

/** Whether the app's pool client of that backend has seen its connection end. */
function clientEnded(pid: number): boolean {
  const pool = (payload.db as unknown as { pool: { _clients: Record<string, unknown>[] } }).pool
  const client = pool._clients.find((c) => c.processID === pid)
  return !client || client._ended === true || client._queryable === false
}

describe("the plugin's transactions", () => {
  it("raise a host's shorter idle limit to queue.staleAfter, no further: a frozen runner's locks still go", async () => {
    const shown = await getRuntime(payload).db.transaction(async (sql) => {
      const { rows } = await sql.query<{ limit: string }>(
        'select setting as limit from pg_settings where name = $1',
        ['idle_in_transaction_session_timeout'],
      )
      return rows[0].limit
    })
    expect(shown).toBe('300000')
  })
})

describe("a delivery's lock", () => {
  it('outlives an idle_in_transaction_session_timeout shorter than a request to Supabase', async () => {
    // Each request takes longer than the 2 s a transaction may sit idle: the delivery's transaction
    // (which holds the document's lock across its requests) was ended by the server, and the
    // delivery failed at its commit — every try, for as long as Supabase stayed that slow.
    stack.faults.latency(2_500)
    try {
      const doc = await payload.create({ collection: 'dealers', data: dealerData() })
      await deliveredName(stack.supabaseDbUri, doc, 30_000)
      await whenIdle(payload)
      const { totalDocs } = await payload.count({
        collection: 'payload-jobs',
        overrideAccess: true,
      })
      expect(totalDocs).toBe(0)
    } finally {
      await stack.faults.clear()
    }
  }, 120_000)
})

describe('the operation lock', () => {
  it('outlives an idle_in_transaction_session_timeout shorter than the run', async () => {
    // Every read of Supabase takes 300 ms, 20 pages: the validate's lock sits idle far longer than 2 s.
    stack.faults.latency(300)
    try {
      const result = await validateSync(payload)
      expect(result.scanned).toBe((await payload.count({ collection: 'dealers' })).totalDocs)
      expect(result.missing.length).toBeGreaterThan(0)
    } finally {
      await stack.faults.clear()
    }
    // Released at the end: the next run takes it at once.
    expect(await isBusy(getRuntime(payload).db, 'validate', 'dealers')).toBe(false)
  }, 120_000)

  it('gives its run a signal that aborts when the lock is lost, and the lock can be taken again', async () => {
    const db = getRuntime(payload).db
    let reason: unknown
    const run = exclusive(db, 'sync', 'dealers', (signal) => {
      return new Promise<string>((resolve) =>
        signal.addEventListener('abort', () => {
          reason = signal.reason
          resolve('stopped')
        }),
      )
    })
    const pid = await eventually(async () => {
      const found = await lockHolder()
      expect(found).toBeDefined()
      return found!
    })
    await terminate(pid)
    expect(await run).toBe('stopped')
    expect(String(reason)).toMatch(/terminat/i)
    // A terminated backend sends its FATAL error (which aborts the run) before it exits and releases
    // its locks: released, but only once that backend is gone.
    await eventually(async () => expect(await isBusy(db, 'sync', 'dealers')).toBe(false))
    // The broken connection went with it: the pool still serves.
    expect(await exclusive(db, 'sync', 'dealers', async () => 'again')).toBe('again')
  })

  it("gives its run a signal that aborts when the lock's connection stops answering", async () => {
    // An idle limit of 1 s: a heartbeat every 333 ms, and one unanswered beat later the lock is lost.
    const db = new PayloadDatabase(payload, 1_000)
    let reason: unknown
    const run = exclusive(db, 'sync', 'silent', (signal) => {
      return new Promise<string>((resolve) =>
        signal.addEventListener('abort', () => {
          reason = signal.reason
          resolve('stopped')
        }),
      )
    })
    const pid = await eventually(async () => {
      const found = await lockHolder()
      expect(found).toBeDefined()
      return found!
    })
    // The server process stops answering, as one behind a dropped connection does; it goes on
    // whatever becomes of the test, or the database could not stop.
    process.kill(pid, 'SIGSTOP')
    const resume = () => {
      try {
        process.kill(pid, 'SIGCONT')
      } catch {
        // Gone already: its client went, and so did its session.
      }
    }
    onTestFinished(resume)
    expect(await run).toBe('stopped')
    resume()
    expect(String(reason)).toMatch(/did not answer/)
    // Its connection was destroyed: the session, and the lock, go with it.
    await eventually(async () => expect(await isBusy(db, 'sync', 'silent')).toBe(false))
  })

  it("a run its caller cancels ends with the caller's cancel, not a lost lock", async () => {
    const db = getRuntime(payload).db
    const caller = new AbortController()
    const progress = { documents: 0, total: 0, rows: 0, differences: 0 }
    const run = exclusive(
      db,
      'sync',
      'cancelled',
      (signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(new CancelledError('sync', 'cancelled', progress)),
          ),
        ),
      caller.signal,
    ).catch((error: unknown) => error)
    await eventually(async () => expect(await lockHolder()).toBeDefined())
    caller.abort()
    const error = await run
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).not.toBeInstanceOf(LockLostError)
    expect(await isBusy(db, 'sync', 'cancelled')).toBe(false)
  })

  it('a validate whose lock is lost stops between pages with a LockLostError naming how far it got', async () => {
    const hold = stack.faults.hold({ path: 'dealers', method: 'GET', count: 1_000 })
    const run = validateSync(payload).then(
      () => undefined,
      (error: unknown) => error,
    )
    await hold.arrived
    const pid = (await lockHolder())!
    await terminate(pid)
    // The app has seen its connection end before the held page goes on.
    await eventually(async () => expect(clientEnded(pid)).toBe(true))
    hold.release()
    const error = await run
    expect(error).toBeInstanceOf(LockLostError)
    expect((error as LockLostError).message).toMatch(
      /validate of "dealers" stopped after \d+ of \d+ documents: its lock in Payload's database was lost/,
    )
    expect((error as LockLostError).progress.documents).toBeLessThan(COUNT)
    const { docs } = await payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'validate' } },
      sort: '-createdAt',
      limit: 1,
      depth: 0,
    })
    expect(docs[0]).toMatchObject({ outcome: 'failed', summary: (error as Error).message })
    // Nothing is left held: the next validate runs to its end.
    const again = await validateSync(payload)
    expect(again.scanned).toBe((await payload.count({ collection: 'dealers' })).totalDocs)
  }, 60_000)
})
