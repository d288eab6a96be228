/**
 * What the convergence scenarios share (test/convergence.*.test.ts but the property test): one app per
 * file on Dealers with a field the mapper does not read and the gate (test/support/gate.ts), and the
 * checks every scenario ends with. `app` is the file's app, set in its beforeAll.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import type { CollectionConfig } from 'payload'
import { Dealers, diffRows } from '../../src/index.js'
import { Gate } from './gate.js'
import { dealerData, payloadRows, settled, startApp, type TestApp } from './app.js'

export const gate = new Gate()
/** The ready Dealers, plus a field the mapper does not read, and the gate. */
const DealersWithNotes: CollectionConfig = {
  ...Dealers,
  fields: [...Dealers.fields, { name: 'notes', type: 'text' }],
  hooks: { beforeChange: [gate.hook] },
}

export let app: TestApp

/**
 * Registers the test file's hooks: one app for the file (Dealers with a field the mapper does not
 * read, short retries, batches larger than max-rows), with a gate right before a save's row is written.
 */
export function useScenarioApp(): void {
  beforeAll(async () => {
    app = await startApp({
      collections: [DealersWithNotes],
      sync: {
        queue: { backoff: 20, maxBackoff: 200, sweepInterval: 100, limit: 2_000 },
        retry: { retries: 1, minTimeout: 5, maxTimeout: 20 },
        // Larger than Supabase's max-rows (1,000): the plugin must keep its requests within it anyway.
        batchSize: 2_000,
      },
    })
    await app.idle()
    // A gate after Payload stamped updatedAt, right before the row is written (test/support/gate.ts
    // holds a save earlier, in beforeChange, before the stamp).
    const db = app.payload.db as unknown as {
      updateOne: (args: { req?: { context?: Record<string, unknown> } }) => Promise<unknown>
    }
    const updateOne = db.updateOne.bind(db)
    db.updateOne = async (args) => {
      await gate.pass(args.req?.context?.dbGate)
      return updateOne(args)
    }
  })
  afterAll(async () => {
    await app?.close()
  })
}

/** Supabase equals what the mapper makes of Payload, once nothing is left to deliver. */
export async function converged() {
  await settled(app)
  expect(diffRows(await payloadRows(app.payload), await app.rows())).toMatchObject({
    missing: [],
    extra: [],
    changed: [],
  })
}

export const conflicts = async () =>
  (
    await app.payload.count({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'conflict' } },
    })
  ).totalDocs

export async function job(id: string) {
  const { docs } = await app.payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    depth: 0,
    overrideAccess: true,
  })
  return docs[0] as unknown as
    { hasError?: boolean; totalTried?: number; error?: { kind?: string } } | undefined
}

export const create = () => app.payload.create({ collection: 'dealers', data: dealerData() })
