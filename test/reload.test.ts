/**
 * A dev server's reload (Next.js HMR) re-evaluates the config, the plugin's hooks and task among it,
 * and hands it to the running Payload (Payload's `reload`) without running onInit again. The reloaded
 * hooks and task find the plugin running in that Payload: before, theirs was the reloaded config's
 * own, never started — no delivery after a save until the next sweep, and Payload's runner failing
 * every sync job with "not running in this process yet".
 */
import { reload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devConfig } from '../dev/config.js'
import { expectUpdatedAt } from '../src/hooks/expect-version.js'
import { dealerMapper, type SupabaseSyncOptions } from '../src/index.js'
import { dealerData, deliveredName, eventually, startApp, type TestApp } from './support/app.js'

// No sweep: a save is delivered only when its hook tells the runner of its commit.
const sync: Partial<SupabaseSyncOptions> = {
  syncOnInit: false,
  checks: { schedule: false },
  queue: { sweepInterval: false },
}
let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync })
  // The config evaluated again, as a dev server does when a file changes.
  const again = await devConfig({
    databaseUri: app.stack.databaseUri,
    supabaseUrl: app.stack.supabaseUrl,
    serviceRoleKey: app.stack.serviceRoleKey,
    sync,
  })
  await reload(again, app.payload, true)
  expect(app.payload.config).toBe(again)
})
afterAll(async () => {
  await app?.close()
})

describe('after a reload of the config', () => {
  it("a save's hook has the running plugin deliver it at its commit", async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await deliveredName(app.stack.supabaseDbUri, doc)
    await eventually(async () => {
      const { totalDocs } = await app.payload.count({ collection: 'payload-jobs' })
      expect(totalDocs).toBe(0)
    })
  })

  it("Payload's runner delivers a sync job through the running plugin", async () => {
    // No hook, so no job and no delivery: the job is queued as a scheduler's app would find it.
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData(),
      context: { skipSupabaseSync: true },
    })
    const id = String(doc.id)
    await app.payload.jobs.queue({
      task: 'supabase-sync',
      queue: 'supabase-sync',
      input: { collection: 'dealers', id },
    } as never)
    await app.payload.jobs.run({ queue: 'supabase-sync', limit: 10, silent: true } as never)
    expect((await app.rows()).get(id)?.name).toBe(doc.name)
    const { totalDocs } = await app.payload.count({
      collection: 'payload-jobs',
      where: { 'input.id': { equals: id } } as never,
    })
    expect(totalDocs).toBe(0)
  })

  it("a pull's save still refuses to overwrite an edit made since it read the document", async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    const read = String(doc.updatedAt)
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'edited' } })
    // What a pull does with the updatedAt it read: the save is refused, nothing written.
    await expect(
      app.payload.update({
        collection: 'dealers',
        id: doc.id,
        data: { name: 'pulled over the edit' },
        context: {
          [expectUpdatedAt]: { collection: 'dealers', id: String(doc.id), updatedAt: read },
        },
      }),
    ).rejects.toThrow(/changed in Payload since it was read/)
    const now = await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })
    expect(now.name).toBe('edited')
  })
})

describe('a mapper edited in the config, then reloaded', () => {
  /** The config evaluated again with these options, as a dev server does after an edit. */
  async function reloadWith(options: Partial<SupabaseSyncOptions>): Promise<void> {
    const again = await devConfig({
      databaseUri: app.stack.databaseUri,
      supabaseUrl: app.stack.supabaseUrl,
      serviceRoleKey: app.stack.serviceRoleKey,
      sync: { ...sync, ...options },
    })
    await reload(again, app.payload, true)
  }

  it('the next save is delivered with the edited mapper, and the log says so once', async () => {
    const shouting = {
      ...dealerMapper,
      toRow: (doc: Parameters<typeof dealerMapper.toRow>[0]) => {
        const row = dealerMapper.toRow(doc)
        return row && { ...row, name: String(row.name).toUpperCase() }
      },
    }
    await reloadWith({ collections: { dealers: { table: 'dealers', mapper: shouting as never } } })
    app.logs.clear()
    const doc = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ name: 'quiet dealer' }),
    })
    await deliveredName(app.stack.supabaseDbUri, { id: doc.id, name: 'QUIET DEALER' })
    await app.payload.update({ collection: 'dealers', id: doc.id, data: { name: 'still quiet' } })
    await deliveredName(app.stack.supabaseDbUri, { id: doc.id, name: 'STILL QUIET' })
    const said = app.logs.find((l) => l.op === 'reload')
    expect(said).toHaveLength(1)
    expect(said[0].msg).toMatch(/mappers are in use for dealers/)
  })

  it('a change the running plugin is built around (the table) waits for a restart, and the log says so', async () => {
    app.logs.clear()
    await reloadWith({ collections: { dealers: { table: 'dealers_elsewhere' } } })
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    // Nothing of this reload is taken: delivered into dealers, with the mapper of the reload before.
    await deliveredName(app.stack.supabaseDbUri, {
      id: doc.id,
      name: String(doc.name).toUpperCase(),
    })
    const said = app.logs.find((l) => l.op === 'reload')
    expect(said).toHaveLength(1)
    expect(said[0].level).toBe(40)
    expect(said[0].msg).toMatch(/table "dealers" → "dealers_elsewhere".*restart the server/)
  })
})
