/**
 * `deleteOrphans: false` under the realtime watch's `revert`: a row without a document is kept and
 * recorded, whether its insert streams in or the check after a reconnect finds it (a network blip
 * used to delete every orphan row the user chose to keep).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventually, startApp, type TestApp } from './support/app.js'
import { catchesOf, newDealer, subscribed } from './support/realtime.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { realtime: true, deleteOrphans: false } })
  await app.idle()
  await eventually(() => subscribed(app), 20_000)
})
afterAll(async () => {
  await app?.close()
})

async function insertOrphan(tag: string): Promise<string> {
  const id = crypto.randomUUID()
  await app.supabase.query(
    `insert into public.dealers (id, name, slug, created_at) values ($1, $2, $3, now())`,
    [id, tag, `${tag}-${id}`],
  )
  return id
}

it('an inserted row without a document is kept and recorded', async () => {
  const id = await insertOrphan('kept')
  await eventually(async () =>
    expect(await catchesOf(app, id)).toContainEqual(
      expect.objectContaining({
        change: 'INSERT',
        outcome: 'recorded',
        reason: expect.stringMatching(/deleteOrphans is off/),
      }),
    ),
  )
  await eventually(() => app.idle(), 30_000)
  expect((await app.rows()).has(id)).toBe(true)
})

it('after a reconnect, rows without documents are kept and recorded', async () => {
  await newDealer(app)
  await app.stack.faults.down()
  let id = ''
  try {
    await eventually(async () =>
      expect(getRuntime(app.payload).watch?.status().dealers?.status).toBe('reconnecting'),
    )
    id = await insertOrphan('kept-while-down')
  } finally {
    await app.stack.faults.up()
  }
  await eventually(() => subscribed(app), 30_000)
  await eventually(async () =>
    expect(await catchesOf(app, id)).toContainEqual(
      expect.objectContaining({ change: 'gap', outcome: 'recorded' }),
    ),
  )
  await eventually(() => app.idle(), 30_000)
  expect((await app.rows()).has(id)).toBe(true)
}, 120_000)
