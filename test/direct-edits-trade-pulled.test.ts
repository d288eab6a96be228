/**
 * Two dealers trade slugs while one's row keeps the mark of an edit a pull took whole: the pull's
 * save is recorded as delivered without a write (nothing differs), so the mark stays until the next
 * delivery — here, the trade's. The shape the randomized convergence test found (seed 303, case 29:
 * a pulled edit, later a trade on two instances; jobs given up on 409 23505, the table never
 * converged) before main's fix (2ecf3b7, test/direct-edits-trade.test.ts: a direct edit left as it
 * is). The trade runs in one Payload transaction, so that the deliveries always meet its final
 * state (each new slug held by the other's row) — not the intermediate slugs one by one.
 */
import { commitTransaction, createLocalReq, initTransaction } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pullFromSupabase } from '../src/index.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'
import { markedIds, newConflicts } from './support/direct-writes.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

async function newDealer(): Promise<string> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
  return String(doc.id)
}

/** a and b trade slugs through a third value, as an editor does under a unique slug, in one transaction. */
async function tradeSlugs(a: string, b: string): Promise<{ a: string; b: string }> {
  const slugOf = async (id: string) =>
    String((await app.payload.findByID({ collection: 'dealers', id, depth: 0 })).slug)
  const [x, y] = [await slugOf(a), await slugOf(b)]
  const req = await createLocalReq({}, app.payload)
  await initTransaction(req)
  const rename = (id: string, slug: string) =>
    app.payload.update({ collection: 'dealers', id, data: { slug }, req })
  await rename(a, `trading-${a}`)
  await rename(b, x)
  await rename(a, y)
  await commitTransaction(req)
  return { a: y, b: x }
}

const failedJobs = async () =>
  (
    await app.payload.find({
      collection: 'payload-jobs',
      where: { taskSlug: { equals: 'supabase-sync' }, hasError: { equals: true } },
      depth: 0,
    })
  ).docs

async function expectTraded(a: string, b: string, slugs: { a: string; b: string }) {
  await eventually(async () => {
    const rows = await app.rows()
    expect({ a: rows.get(a)?.slug, b: rows.get(b)?.slug }).toEqual(slugs)
    expect(await failedJobs()).toEqual([])
  }, 30_000)
  await settled(app)
}

describe('a trade of slugs with a row whose edit a pull took whole', () => {
  it('an edit a pull took whole (its mark kept): both rows take their new slugs, no conflict', async () => {
    const [a, b] = [await newDealer(), await newDealer()]
    await settled(app)
    const seen = new Set((await newConflicts(app.payload, new Set())).map((e) => e.id))
    await app.supabase.query(`update public.dealers set name = 'pulled before' where id = $1`, [a])
    await pullFromSupabase(app.payload, { collection: 'dealers', ids: [a] })
    await settled(app)
    expect(await markedIds(app.supabase, 'dealers')).toContain(a)
    const slugs = await tradeSlugs(a, b)
    await expectTraded(a, b, slugs)
    expect((await app.rows()).get(a)?.name).toBe('pulled before')
    expect(await newConflicts(app.payload, seen)).toEqual([])
  })
})
