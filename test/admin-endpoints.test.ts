/**
 * The admin's endpoints, through Payload's REST pipeline (`handleEndpoints`) with real logins, on the
 * README's example access (read: any user of `users`; sync and pull: ops and admins; reset: admins):
 * what a right allows and what it does not, what a failed background run leaves behind, what a GET
 * changes (nothing), and what a finished run keeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { handleEndpoints, type CollectionConfig } from 'payload'
import { Dealers, type AccessFunction } from '../src/index.js'
import { describeFailure, describeState } from '../src/admin/present/documentState.js'
import type { DocumentStatus } from '../src/ops/compare.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { idsPerRun, maxIdsPerRequest } from '../src/ops/id-limits.js'
import { syncStatus } from '../src/ops/status.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

const serverURL = 'http://localhost:3000'
type Role = 'admin' | 'ops' | 'viewer'
const role = (req: Parameters<AccessFunction>[0]['req']): Role | undefined => {
  const user = req.user as { collection?: string; role?: Role } | null
  return user?.collection === 'users' ? user.role : undefined
}

const Users: CollectionConfig = {
  slug: 'users',
  auth: { useAPIKey: true },
  fields: [{ name: 'role', type: 'select', options: ['admin', 'ops', 'viewer'], required: true }],
}
/** Public sign-up: its users have no right at all. */
const Customers: CollectionConfig = {
  slug: 'customers',
  auth: true,
  access: { create: () => true },
  fields: [],
}

let app: TestApp
const auth: Record<'customer' | Role, Record<string, string>> = {
  customer: {},
  viewer: {},
  ops: {},
  admin: {},
}

interface Answer {
  status: number
  text: string
  body: Record<string, unknown>
}

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const request = new Request(`${serverURL}/api${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const response = await handleEndpoints({
    config: Promise.resolve(app.payload.config),
    request,
    payloadInstanceCacheKey: app.key,
  } as never)
  const text = await response.text()
  return { status: response.status, text, body: text ? JSON.parse(text) : {} }
}
const api = (method: string, path: string, who: keyof typeof auth, body?: unknown) =>
  call(method, path, auth[who], body)

interface EventDoc {
  action: string
  outcome: string
  user: string
  summary: string
  details?: Record<string, unknown> | null
}
async function events(): Promise<EventDoc[]> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    limit: 0,
    pagination: false,
    depth: 0,
    overrideAccess: true,
    sort: 'createdAt',
  })
  return docs as unknown as EventDoc[]
}
async function newEvents<T>(work: () => Promise<T>): Promise<{ result: T; added: EventDoc[] }> {
  const before = (await events()).length
  const result = await work()
  return { result, added: (await events()).slice(before) }
}

/** Rows in Supabase without documents: a Payload pointed at an empty database sees them all so. */
async function orphans(count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'orphan', $1, now())`,
      [`orphan-${Date.now()}-${i}`],
    )
}

beforeAll(async () => {
  app = await startApp({
    collections: [Dealers, Users, Customers],
    extend: (config) => ({ ...config, serverURL, admin: { ...config.admin, user: 'users' } }),
    sync: {
      access: {
        read: ({ req }) => role(req) !== undefined,
        sync: ({ req }) => ['admin', 'ops'].includes(role(req) ?? ''),
        pull: ({ req }) => ['admin', 'ops'].includes(role(req) ?? ''),
        reset: ({ req }) => role(req) === 'admin',
      },
    },
  })
  for (const r of ['admin', 'ops', 'viewer'] as const) {
    await app.payload.create({
      collection: 'users',
      data: {
        email: `${r}@example.com`,
        password: 'secret-password',
        role: r,
        enableAPIKey: true,
        apiKey: `api-key-of-${r}-0123456789`,
      } as never,
    })
    auth[r] = { authorization: `users API-Key api-key-of-${r}-0123456789` }
  }
  await call(
    'POST',
    '/customers',
    {},
    { email: 'visitor@example.com', password: 'secret-password' },
  )
  const login = await call(
    'POST',
    '/customers/login',
    {},
    { email: 'visitor@example.com', password: 'secret-password' },
  )
  auth.customer = { authorization: `JWT ${String(login.body.token)}` }
  await app.payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('force: true bypasses the mass-delete guard, so it needs the reset right', () => {
  beforeEach(async () => {
    await orphans(5)
  })

  it('an ops user (sync, not reset) is refused with 403, recorded; the rows stay', async () => {
    const rows = (await app.rows()).size
    const { result, added } = await newEvents(() =>
      api('POST', '/supabase-sync/sync', 'ops', { force: true }),
    )
    expect(result.status).toBe(403)
    expect(result.text).toMatch(/reset/)
    expect(added).toMatchObject([
      { action: 'sync', outcome: 'refused', user: expect.stringContaining('ops@example.com') },
    ])
    const run = await newEvents(() =>
      api('POST', '/supabase-sync/runs', 'ops', { op: 'sync', force: true }),
    )
    expect(run.result.status).toBe(403)
    expect(run.added).toMatchObject([{ action: 'sync', outcome: 'refused' }])
    expect((await app.rows()).size).toBe(rows)
    // Without force the guard stands, as before: nothing deleted.
    const guarded = await api('POST', '/supabase-sync/sync', 'ops', {})
    expect(guarded.status).toBe(200)
    expect(guarded.body.guard).toEqual(expect.any(String))
    expect((await app.rows()).size).toBe(rows)
  })

  it('an admin (reset) may force it: the rows without documents go', async () => {
    const res = await api('POST', '/supabase-sync/sync', 'admin', { force: true })
    expect(res.status).toBe(200)
    expect((await app.rows()).size).toBe(1)
  })
})

describe("a job cancelled with Payload's jobs API (error: { cancelled: true }, no message)", () => {
  it('is neither a failed nor a pending delivery: not in the status, the health, the Failed deliveries, nor GET /documents', async () => {
    await settled(app)
    const before = await syncStatus(app.payload)
    // Delivery fails while Supabase is down: the job waits for its next try, and is cancelled then.
    await app.stack.faults.down()
    let id: string
    try {
      id = String((await app.payload.create({ collection: 'dealers', data: dealerData() })).id)
      const job = await eventually(async () => {
        const { docs } = await app.payload.find({
          collection: 'payload-jobs',
          where: { 'input.id': { equals: id } } as never,
          depth: 0,
          overrideAccess: true,
        })
        const found = docs[0] as { id: string; error?: unknown; processing?: boolean } | undefined
        expect(found?.error).toBeTruthy()
        expect(found?.processing).toBe(false)
        return found!
      })
      await app.payload.jobs.cancelByID({ id: job.id })
      const cancelled = await app.payload.findByID({
        collection: 'payload-jobs',
        id: job.id,
        depth: 0,
        overrideAccess: true,
      })
      expect(cancelled).toMatchObject({ hasError: true, error: { cancelled: true } })
      // A delivery the runner began before the cancel (its next try due) must end while Supabase is
      // still down: once up, it would write the row — the cancel came after it started.
      await app.idle()
    } finally {
      await app.stack.faults.up()
    }
    expect(describeFailure({ cancelled: true })).toBe('cancelled')
    expect(describeFailure({ message: 42 })).toBe('unknown error')
    // The document box and the list pill: GET /documents, then describeState.
    const res = await api('GET', `/supabase-sync/documents?id=${id}`, 'viewer')
    expect(res.status).toBe(200)
    const [state] = res.body as unknown as DocumentStatus[]
    // Cancelled is not a failure of the delivery: the document shows what the comparison finds.
    expect(state).toMatchObject({ id, state: 'missing' })
    expect(state.failure).toBeUndefined()
    expect(describeState(state).key).toBe('missing')
    // The status (the health's and the metrics' counts, the console's Failed deliveries and their
    // Retry all): it will never run, and nothing failed. Before, it counted as a failed delivery.
    const status = await syncStatus(app.payload)
    expect(status.failures.find((f) => f.id === id)).toBeUndefined()
    expect(status.jobs).toMatchObject({ failed: before.jobs.failed, pending: before.jobs.pending })
    expect(status.collections.find((c) => c.collection === 'dealers')?.failed).toBe(
      before.collections.find((c) => c.collection === 'dealers')?.failed,
    )
    expect((await api('GET', '/supabase-sync/status', 'viewer')).body).toMatchObject({
      jobs: { failed: before.jobs.failed },
    })
    // Cleared by a sync of the document, as any failed job of it.
    expect((await api('POST', '/supabase-sync/sync', 'ops', { ids: [id] })).status).toBe(200)
  })
})

describe('a background run that fails', () => {
  const runOf = async (body: Record<string, unknown>) => {
    const started = await api('POST', '/supabase-sync/runs', 'ops', body)
    expect(started.status).toBe(200)
    const id = String(started.body.id)
    return eventually(async () => {
      const polled = await api('GET', `/supabase-sync/runs/${id}`, 'viewer')
      expect(polled.body.status).not.toBe('running')
      return polled.body as { id: string; status: string; error?: string; logId?: string }
    })
  }

  it('is logged with an id and recorded as a failed sync; its state has no database text', async () => {
    await app.stack.faults.down()
    try {
      const { result: run, added } = await newEvents(() => runOf({ op: 'sync' }))
      expect(run.status).toBe('failed')
      expect(run.logId).toEqual(expect.any(String))
      expect(app.logs.find((l) => l.logId === run.logId && l.run === run.id)).toHaveLength(1)
      expect(added).toMatchObject([
        {
          action: 'sync',
          outcome: 'failed',
          user: expect.stringContaining('ops@example.com'),
          details: { logId: run.logId, run: run.id },
        },
      ])
    } finally {
      await app.stack.faults.up()
    }
    await app.payload.db.pool.query('alter table dealers rename to dealers_away')
    try {
      const run = await runOf({ op: 'sync' })
      expect(run.status).toBe('failed')
      expect(run.error).toBe('internal error')
      expect(JSON.stringify(run)).not.toMatch(/dealers_away|relation|42P01|select /i)
      expect(app.logs.find((l) => l.logId === run.logId)).toHaveLength(1)
    } finally {
      await app.payload.db.pool.query('alter table dealers_away rename to dealers')
    }
  })
})

describe('refusals of users who may not read the Sync events', () => {
  it('are not recorded as events, and logged once a minute per user; a team member is recorded', async () => {
    app.logs.clear()
    const { added } = await newEvents(async () => {
      for (let i = 0; i < 5; i++) {
        expect((await api('POST', '/supabase-sync/sync', 'customer', {})).status).toBe(403)
        expect(
          (await api('POST', '/supabase-sync/reset', 'customer', { confirm: true })).status,
        ).toBe(403)
        expect((await api('POST', '/supabase-sync/runs', 'customer', { op: 'sync' })).status).toBe(
          403,
        )
      }
    })
    expect(added).toEqual([])
    const lines = app.logs.find(
      (l) => l.outcome === 'refused' && /^customers:/.test(String(l.user)),
    )
    expect(lines).toHaveLength(1)
    // A viewer (read, not sync) is one of the team: each refusal is a Sync event, as before.
    const viewer = await newEvents(() => api('POST', '/supabase-sync/sync', 'viewer', {}))
    expect(viewer.result.status).toBe(403)
    expect(viewer.added).toMatchObject([{ action: 'sync', outcome: 'refused' }])
  })
})

describe('GET /validate changes nothing (a link can trigger it)', () => {
  it('finds drift, but leaves the last check, the health and the Sync events as they were, and holds no lock', async () => {
    // Deliveries left by the tests before (queued while Supabase was down) would rewrite the edit.
    await settled(app)
    const [row] = [...(await app.rows()).values()]
    await app.supabase.query(`update public.dealers set name = 'edited' where id = $1`, [row.id])
    const runtime = getRuntime(app.payload)
    const lastCheck = runtime.lastCheck.get('dealers')
    const health = async () => {
      const res = await api('GET', '/supabase-sync/health', 'viewer')
      const body = res.body as { status: string; reasons?: unknown }
      return { status: res.status, verdict: body.status, reasons: body.reasons }
    }
    const before = await health()
    const { result, added } = await newEvents(() => api('GET', '/supabase-sync/validate', 'viewer'))
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ inSync: false, changed: [{ id: row.id }] })
    expect(added).toEqual([])
    expect(runtime.lastCheck.get('dealers')).toEqual(lastCheck)
    expect(await health()).toEqual(before)
    // While a GET check runs, the console's check is not refused as busy.
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const get = api('GET', '/supabase-sync/validate', 'viewer')
    await hold.arrived
    const run = await api('POST', '/supabase-sync/runs', 'viewer', { op: 'validate' })
    hold.release()
    expect(run.status).toBe(200)
    expect((await get).status).toBe(200)
    await runtime.runs.finished(String(run.body.id))
    // The console's check (a POST) is what counts: it sets the last check.
    expect(runtime.lastCheck.get('dealers')).toMatchObject({ changed: 1 })
  })
})

describe('what finished runs keep', () => {
  it('an older run of the same collection and operation keeps counts, not the id lists', async () => {
    const runs = getRuntime(app.payload).runs
    const check = async () => {
      const started = await api('POST', '/supabase-sync/runs', 'viewer', { op: 'validate' })
      expect(started.status).toBe(200)
      await runs.finished(String(started.body.id))
      return String(started.body.id)
    }
    const older = await check()
    const latest = await check()
    const get = async (id: string) =>
      (await api('GET', `/supabase-sync/runs/${id}`, 'viewer')).body as {
        status: string
        result?: { changed: unknown[]; missing: unknown[] }
        summary?: Record<string, unknown>
      }
    const old = await get(older)
    expect(old.status).toBe('done')
    expect(old.result).toBeUndefined()
    expect(old.summary).toMatchObject({
      inSync: expect.any(Boolean),
      missing: expect.any(Number),
      extra: expect.any(Number),
      changed: expect.any(Number),
      failed: expect.any(Number),
      scanned: expect.any(Number),
    })
    const last = await get(latest)
    expect(Array.isArray(last.result?.changed)).toBe(true)
    expect(old.summary?.changed).toBe(last.result?.changed.length)
  })
})

describe('how many ids one request takes (the console pushes longer drift lists in parts)', () => {
  it(`a part of Push all (${idsPerRun.toLocaleString('en')} ids) is taken and synced; ${(maxIdsPerRequest + 1).toLocaleString('en')} ids are refused, naming ids`, async () => {
    const made = await app.payload.create({
      collection: 'dealers',
      data: dealerData({ slug: 'a-part-of-push-all' }),
      context: { skipSupabaseSync: true },
    })
    const id = String(made.id)
    const unknown = (n: number) =>
      Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
    const started = await api('POST', '/supabase-sync/runs', 'ops', {
      op: 'sync',
      ids: [id, ...unknown(idsPerRun - 1)],
    })
    expect(started.status).toBe(200)
    await getRuntime(app.payload).runs.finished(String(started.body.id))
    const run = (await api('GET', `/supabase-sync/runs/${String(started.body.id)}`, 'ops')).body
    expect(run).toMatchObject({ status: 'done', result: { upserted: 1 } })
    expect((await app.rows()).get(id)).toMatchObject({ slug: 'a-part-of-push-all' })

    const refused = await api('POST', '/supabase-sync/runs', 'ops', {
      op: 'sync',
      ids: unknown(maxIdsPerRequest + 1),
    })
    expect(refused.status).toBe(400)
    expect(refused.text).toMatch(/ids/)
  })
})
