/**
 * A delivery holds a connection of Payload's pool for its transaction (its documents' locks) and reads
 * the documents through Payload, which takes a second one. With every connection held by deliveries
 * waiting for their second, none would ever get it: Payload's runner runs its jobs at once, so a small
 * pool and a few due documents hung the run and every other query of the app. Deliveries take at most
 * half the pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dealerData, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    poolMax: 4,
    sync: { syncOnInit: false, queue: { runAfterCommit: false, sweepInterval: false } },
  })
})
afterAll(async () => {
  await app?.close()
})

describe("a small pool of Payload's database", () => {
  it("Payload's runner delivers 20 due documents at once without exhausting it", async () => {
    const docs = []
    for (let i = 0; i < 20; i++)
      docs.push(await app.payload.create({ collection: 'dealers', data: dealerData() }))
    // A bound for the failure only: the run hung for good before.
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      app.payload.jobs
        .run({ queue: 'supabase-sync', limit: 100, silent: true } as never)
        .then(() => 'ran'),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), 30_000))),
    ])
    clearTimeout(timer)
    expect(outcome).toBe('ran')
    const rows = await app.rows()
    for (const doc of docs) expect(rows.get(String(doc.id))?.name).toBe(doc.name)
  }, 60_000)
})
