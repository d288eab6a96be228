/**
 * A due document that another delivery holds (another process's, a reconcile's page, a pull) is
 * looked at again soon at first, then less and less often up to the sweep: the runner claimed it
 * every 50 ms for as long as the hold lasted. A document released soon is still delivered at once.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { documentKey } from '../src/queue/keys.js'
import { lockNamespace } from '../src/queue/locks.js'
import {
  dealerData,
  deliveredName,
  eventually,
  startApp,
  type LogLine,
  type TestApp,
} from './support/app.js'

// Far beyond any look at a held document (those are ms apart): a delivery within `soon` of the
// release came from such a look, not the sweep, however slow a loaded machine runs the look.
const sweepInterval = 60_000
const soon = sweepInterval / 4
let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false, queue: { sweepInterval } } })
})
afterAll(async () => {
  await app?.close()
})

/** Holds a dealer's lock from outside the app, as another instance's delivery does. */
async function hold(id: string): Promise<{ release: () => Promise<void> }> {
  const db = new pg.Client({ connectionString: app.stack.databaseUri })
  await db.connect()
  await db.query('begin')
  await db.query('select pg_advisory_xact_lock($1, hashtext($2))', [
    lockNamespace,
    documentKey('dealers', id),
  ])
  return {
    async release() {
      await db.query('commit')
      await db.end()
    },
  }
}

/** The runner's looks at held documents since `from` (one line each). */
const looksSince = (from: number): LogLine[] =>
  app.logs.find((l) => l.op === 'held' && typeof l.time === 'number' && l.time >= from)

async function heldDealer(): Promise<{ id: string; renamed: string; from: number }> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
  await deliveredName(app.stack.supabaseDbUri, doc)
  return { id: String(doc.id), renamed: `${doc.name} renamed`, from: Date.now() }
}

describe('a due document held by another delivery', () => {
  it('is looked at less and less often while held, and delivered once released', async () => {
    const { id, renamed, from } = await heldDealer()
    const holder = await hold(id)
    try {
      await app.payload.update({ collection: 'dealers', id, data: { name: renamed } })
      // Held for 3 s as the runner's own lines tell it: at 50 ms a look, that was some 60 looks.
      const looks = await eventually(async () => {
        const lines = looksSince(from)
        expect(lines.length).toBeGreaterThan(1)
        expect(Number(lines.at(-1)!.time) - Number(lines[0].time)).toBeGreaterThanOrEqual(3_000)
        return lines
      }, 30_000)
      // 50, 100, … 3,200 ms apart (no sweep comes within them).
      expect(looks.length).toBeLessThanOrEqual(10)
      expect(Math.max(...looks.map((l) => Number(l.retryInMs)))).toBeGreaterThanOrEqual(1_600)
      expect((await app.rows()).get(id)?.name).not.toBe(renamed)
    } finally {
      await holder.release()
    }
    await deliveredName(app.stack.supabaseDbUri, { id, name: renamed }, 2 * sweepInterval)
  })

  it('released after a few looks, is delivered without waiting for the sweep', async () => {
    const { id, renamed, from } = await heldDealer()
    const holder = await hold(id)
    try {
      await app.payload.update({ collection: 'dealers', id, data: { name: renamed } })
      await eventually(async () => expect(looksSince(from).length).toBeGreaterThanOrEqual(3))
    } finally {
      await holder.release()
    }
    // The next look is at most 400 ms away; the sweep up to a minute.
    await deliveredName(app.stack.supabaseDbUri, { id, name: renamed }, soon)
  })

  it('a new save of it looks again soon, whatever the wait had grown to', async () => {
    const { id, renamed, from } = await heldDealer()
    const holder = await hold(id)
    try {
      await app.payload.update({ collection: 'dealers', id, data: { name: 'held' } })
      const grown = await grownWait(from)
      // Its commit is new work: the wait starts again from the shortest.
      await app.payload.update({ collection: 'dealers', id, data: { name: renamed } })
      await eventually(async () => {
        const after = looksSince(from).slice(grown)
        expect(after.some((l) => Number(l.retryInMs) <= 100)).toBe(true)
      })
    } finally {
      await holder.release()
    }
    await deliveredName(app.stack.supabaseDbUri, { id, name: renamed }, soon)
  })

  it('a run that delivers other documents looks again soon', async () => {
    const { id, renamed, from } = await heldDealer()
    const holder = await hold(id)
    try {
      await app.payload.update({ collection: 'dealers', id, data: { name: renamed } })
      const grown = await grownWait(from)
      const other = await app.payload.create({ collection: 'dealers', data: dealerData() })
      await deliveredName(app.stack.supabaseDbUri, other)
      await eventually(async () => {
        const after = looksSince(from).slice(grown)
        expect(after.some((l) => Number(l.retryInMs) <= 100)).toBe(true)
      })
    } finally {
      await holder.release()
    }
    await deliveredName(app.stack.supabaseDbUri, { id, name: renamed }, soon)
  })
})

/** Waits until the runner's wait for a held document has grown to 800 ms; how many looks that took. */
async function grownWait(from: number): Promise<number> {
  return eventually(async () => {
    const lines = looksSince(from)
    expect(Number(lines.at(-1)?.retryInMs)).toBeGreaterThanOrEqual(800)
    return lines.length
  })
}
