/**
 * A job cancelled with Payload's jobs API while the plugin's runner delivers it: the runner read the
 * job before the cancel, and books the delivery's failure after it. Payload never runs a cancelled job
 * again, and the console counts it as neither failed nor pending (queue/cancelled.ts); the booking
 * overwrote the cancel with its own error and a next try, and the job ran again. Found by a failure of
 * `admin-endpoints` ("neither a failed nor a pending delivery") in a parallel run, where the runner's
 * retry of the job fell on the test's cancel.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { syncStatus } from '../src/ops/status.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false, checks: { schedule: false } } })
})
afterAll(async () => {
  await app?.close()
})

interface JobDoc {
  id: string | number
  hasError?: boolean
  error?: Record<string, unknown> | null
  waitUntil?: string | null
  totalTried?: number
}

async function jobOf(id: string): Promise<JobDoc | undefined> {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    depth: 0,
    overrideAccess: true,
  })
  return docs[0] as JobDoc | undefined
}

it.each([
  ['a row Supabase refuses (failed for good)', 400, '23514'],
  ['a passing failure (tried again after a backoff)', 503, undefined],
] as const)(
  'a cancel during the delivery stays a cancel when the delivery then fails: %s',
  async (_name, status, code) => {
    await settled(app)
    const before = await syncStatus(app.payload)
    const hold = app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
    const id = String((await app.payload.create({ collection: 'dealers', data: dealerData() })).id)
    await hold.arrived
    const job = await jobOf(id)
    expect(job).toBeDefined()
    await app.payload.jobs.cancelByID({ id: job!.id })
    // Enough refusals for every try of the held request (a passing failure is retried in place).
    app.stack.faults.failNext(20, status, {
      path: 'rpc/supabase_sync_apply',
      ...(code ? { code, message: 'new row violates check constraint' } : {}),
    })
    hold.release()
    try {
      // The delivery has failed and booked what it books (its warning names the document).
      await eventually(async () =>
        expect(app.logs.find((l) => l.id === id && l.level === 40).length).toBeGreaterThan(0),
      )
      await app.idle()
      const after = await jobOf(id)
      expect(after).toMatchObject({ hasError: true, error: { cancelled: true } })
      expect(after?.waitUntil ?? null).toBeNull()
      const status = await syncStatus(app.payload)
      expect(status.failures.find((f) => f.id === id)).toBeUndefined()
      expect(status.jobs).toMatchObject({
        failed: before.jobs.failed,
        pending: before.jobs.pending,
      })
    } finally {
      await app.stack.faults.clear()
      // A cancelled job stays until removed (Payload's jobs collection keeps it): the next case starts clean.
      await app.payload.delete({
        collection: 'payload-jobs',
        where: { 'input.id': { equals: id } } as never,
        overrideAccess: true,
      })
    }
    await settled(app)
  },
  60_000,
)
