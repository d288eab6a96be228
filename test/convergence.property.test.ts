/**
 * The invariant, tried at random: whatever interleaving of creates, synced and unsynced updates,
 * deletes, drafts, publish and unpublish, trash and restore, reconciles, pulls, Supabase outages,
 * latency and failed requests, over two app instances (one of them restarted now and then), once
 * changes stop every table equals what the mappers make of Payload's documents.
 *
 * fast-check generates the operations, groups them into batches that run at once, and its scheduler
 * decides in which order each batch's operations start; a failing case shrinks to a short one.
 * CI runs fixed seeds; longer runs: `npm run test:convergence -- --seed 7 --runs 2000`.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionConfig, Payload } from 'payload'
import { Posts, postsLocalization, postsSync } from '../dev/collections/posts.js'
import { Dealers, dealerMapper, pullFromSupabase, syncDocuments, whenIdle } from '../src/index.js'
import { compareNow, dealerData, eventually, reconcileNow, settled, startApp, startPayload, type LogCapture, type TestApp } from './support/app.js'

const DealersWithNotes: CollectionConfig = { ...Dealers, fields: [...Dealers.fields, { name: 'notes', type: 'text' }] }
const appOptions = {
  collections: [DealersWithNotes, Posts],
  sync: {
    collections: { dealers: { table: 'dealers', mapper: dealerMapper }, ...postsSync },
    queue: { backoff: 20, maxBackoff: 200, sweepInterval: 100 },
    retry: { retries: 1, minTimeout: 5, maxTimeout: 20 },
  },
  extend: (config: import('payload').Config) => ({ ...config, localization: postsLocalization }),
}

type On = 0 | 1
type PostChange = 'publish' | 'draft' | 'unpublish' | 'notes' | 'de' | 'internal' | 'public'
type Op =
  | { t: 'createDealer'; on: On }
  | { t: 'updateDealer'; on: On; pick: number; synced: boolean }
  | { t: 'deleteDealer'; on: On; pick: number }
  | { t: 'tamperAndPull'; on: On; pick: number }
  | { t: 'createPost'; on: On; publish: boolean }
  | { t: 'changePost'; on: On; pick: number; change: PostChange }
  | { t: 'trashPost'; on: On; pick: number }
  | { t: 'restorePost'; on: On; pick: number }
  | { t: 'reconcile'; on: On; collection: 'dealers' | 'posts' }
  | { t: 'down' }
  | { t: 'up' }
  | { t: 'latency'; ms: number }
  | { t: 'fail'; count: number; status: number }
  | { t: 'restart' }

const on = fc.constantFrom<On>(0, 1)
const pick = fc.nat(1_000)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('createDealer' as const), on }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('updateDealer' as const), on, pick, synced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('deleteDealer' as const), on, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tamperAndPull' as const), on, pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('createPost' as const), on, publish: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('changePost' as const), on, pick, change: fc.constantFrom<PostChange>('publish', 'draft', 'unpublish', 'notes', 'de', 'internal', 'public') }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('trashPost' as const), on, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restorePost' as const), on, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reconcile' as const), on, collection: fc.constantFrom<'dealers' | 'posts'>('dealers', 'posts') }) },
  { weight: 1, arbitrary: fc.constant({ t: 'down' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'up' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('latency' as const), ms: fc.constantFrom(0, 5, 30) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), count: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom(500, 503, 429) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
)
/** A case: batches of operations; the operations of a batch run at once. */
const caseArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })

let app: TestApp
let second: { payload: Payload; logs: LogCapture }
const dealers: string[] = []
const posts: string[] = []
let counter = 0

const instance = (which: On): Payload => (which === 0 ? app.payload : second.payload)
const chosen = (list: string[], n: number): string | undefined => (list.length ? list[n % list.length] : undefined)

interface Touched {
  dealers: Set<string>
  posts: Set<string>
  /** Dealers edited in Supabase directly whose pull did not take the edit: synced by the operator. */
  resync: Set<string>
}

async function run(op: Op, touched: Touched): Promise<void> {
  const n = ++counter
  switch (op.t) {
    case 'createDealer': {
      const doc = await instance(op.on).create({ collection: 'dealers', data: dealerData({ slug: `prop-${n}-${Date.now()}` }) })
      dealers.push(String(doc.id))
      touched.dealers.add(String(doc.id))
      return
    }
    case 'updateDealer': {
      const id = chosen(dealers, op.pick)
      if (!id) return
      touched.dealers.add(id)
      await instance(op.on).update({ collection: 'dealers', id, data: op.synced ? { name: `name ${n}` } : { notes: `notes ${n}` } })
      return
    }
    case 'deleteDealer': {
      const id = chosen(dealers, op.pick)
      if (!id) return
      touched.dealers.add(id)
      dealers.splice(dealers.indexOf(id), 1)
      await instance(op.on).delete({ collection: 'dealers', id })
      return
    }
    case 'tamperAndPull': {
      const id = chosen(dealers, op.pick)
      if (!id) return
      touched.dealers.add(id)
      // An edit made in Supabase directly (not the plugin's business until someone acts), then a
      // pull. A pull that takes it leaves both sides equal by itself; one that cannot (Supabase down,
      // a delivery under way, the document newer in Payload) says so, and the operator runs sync.
      await app.supabase.query(`update public.dealers set name = $2 where id = $1`, [id, `from Supabase ${n}`])
      const result = await pullFromSupabase(instance(op.on), { ids: [id] }).catch(() => undefined)
      if (!result?.pulled.some((p) => p.id === id)) touched.resync.add(id)
      return
    }
    case 'createPost': {
      const doc = await instance(op.on).create({ collection: 'posts', data: { title: `post ${n}`, slug: `post-${n}-${Date.now()}`, _status: op.publish ? 'published' : 'draft' }, draft: !op.publish })
      posts.push(String(doc.id))
      touched.posts.add(String(doc.id))
      return
    }
    case 'changePost': {
      const id = chosen(posts, op.pick)
      if (!id) return
      touched.posts.add(id)
      const payload = instance(op.on)
      const update = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => payload.update({ collection: 'posts', id, data, ...extra } as never)
      if (op.change === 'publish') await update({ title: `published ${n}`, _status: 'published' })
      else if (op.change === 'draft') await update({ title: `draft ${n}` }, { draft: true })
      else if (op.change === 'unpublish') await update({ _status: 'draft' })
      else if (op.change === 'notes') await update({ editorNotes: `notes ${n}` })
      else if (op.change === 'de') await update({ title: `de ${n}` }, { locale: 'de' })
      else await update({ audience: op.change })
      return
    }
    case 'trashPost':
    case 'restorePost': {
      const id = chosen(posts, op.pick)
      if (!id) return
      touched.posts.add(id)
      await instance(op.on).update({ collection: 'posts', id, data: { deletedAt: op.t === 'trashPost' ? new Date().toISOString() : null }, trash: true } as never)
      return
    }
    case 'reconcile':
      await reconcileNow(instance(op.on), op.collection)
      return
    case 'down':
      await app.stack.faults.down()
      return
    case 'up':
      await app.stack.faults.up()
      return
    case 'latency':
      app.stack.faults.latency(op.ms)
      return
    case 'fail':
      app.stack.faults.failNext(op.count, op.status)
      return
    case 'restart':
      await second.payload.destroy()
      second = await startPayload(app.stack, appOptions)
      return
  }
}

/** Expected failures of a random operation (a document deleted meanwhile, Supabase down during a reconcile). */
const tolerated = /not found|Not Found|NotFound|could not be found|fetch failed|ECONNREFUSED|failed \((0|5\d\d|429)|read failed|socket hang up|terminated/i

async function runCase(batches: Op[][], scheduler: fc.Scheduler): Promise<void> {
  const touched: Touched = { dealers: new Set(), posts: new Set(), resync: new Set() }
  try {
    for (const batch of batches) {
      const restarts = batch.filter((op) => op.t === 'restart')
      const started = batch
        .filter((op) => op.t !== 'restart')
        .map((op) =>
          scheduler.schedule(Promise.resolve(op), op.t).then((o) =>
            run(o, touched).catch((error: unknown) => {
              if (!tolerated.test(String((error as Error)?.message ?? error))) throw error
            }),
          ),
        )
      await scheduler.waitAll()
      await Promise.all(started)
      // A restart waits for the operations it would cut short: a stop, then a new instance.
      for (const op of restarts) await run(op, touched)
    }
  } finally {
    await app.stack.faults.clear()
  }
  if (touched.resync.size) await syncDocuments(app.payload, { ids: [...touched.resync] })
  // Changes stopped and Supabase answers: within seconds, both instances quiet, every table equal.
  await settled({ payload: app.payload, idle: async () => void (await Promise.all([whenIdle(app.payload), whenIdle(second.payload)])) }, 60_000)
  await eventually(async () => {
    const [d, p] = await Promise.all([compareNow(app.payload, 'dealers', [...touched.dealers]), compareNow(app.payload, 'posts', [...touched.posts])])
    expect({ dealers: d.diff, failed: d.failed }).toMatchObject({ dealers: { missing: [], extra: [], changed: [] }, failed: [] })
    expect({ posts: p.diff, failed: p.failed }).toMatchObject({ posts: { missing: [], extra: [], changed: [] }, failed: [] })
  }, 30_000, 100)
}

beforeAll(async () => {
  app = await startApp(appOptions)
  second = await startPayload(app.stack, appOptions)
  await Promise.all([app.idle()])
})
afterAll(async () => {
  await second?.payload.destroy().catch(() => {})
  await app?.close()
})

const seeds = process.env.CONVERGENCE_SEED ? [Number(process.env.CONVERGENCE_SEED)] : [20261126, 7, 42]
const runs = Number(process.env.CONVERGENCE_RUNS ?? 4)

describe('the invariant, at random', () => {
  it.each(seeds)('seed %i: every table equals the mapped documents once changes stop', async (seed) => {
    const started = Date.now()
    await fc.assert(
      fc.asyncProperty(caseArb, fc.scheduler(), async (batches, scheduler) => runCase(batches, scheduler)),
      { seed, numRuns: runs, endOnFailure: process.env.CONVERGENCE_SHRINK !== 'true' },
    )
    // The whole collections too, not only what the cases touched.
    const [d, p] = await Promise.all([compareNow(app.payload, 'dealers'), compareNow(app.payload, 'posts')])
    expect(d.diff).toMatchObject({ missing: [], extra: [], changed: [] })
    expect(p.diff).toMatchObject({ missing: [], extra: [], changed: [] })
    process.stdout.write(`convergence seed ${seed}: ${runs} cases in ${Date.now() - started} ms (${dealers.length} dealers, ${posts.length} posts)\n`)
  }, 3_600_000)
})
