/**
 * Least privilege, through Payload's real REST pipeline (`handleEndpoints`, what the `REST_*` route
 * handlers of a Next.js app call) with real authentication: a login cookie, `Authorization: JWT …`, an
 * API key. Who may call what — with a role-based `access` option and with the default — and that
 * every refusal changes nothing but the record of the refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleEndpoints, type CollectionConfig, type Payload } from 'payload'
import { Dealers, type AccessFunction } from '../src/index.js'
import { SyncHealth } from '../src/admin/SyncHealth.js'
import {
  dealerData,
  eventually,
  settled,
  startApp,
  startPayload,
  type TestApp,
} from './support/app.js'

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
/** A second auth collection with public sign-up: its users must get nothing of the sync. */
const Customers: CollectionConfig = {
  slug: 'customers',
  auth: true,
  access: { create: () => true },
  fields: [],
}
/** Only admins may update dealers: `pull` by anyone else must change nothing. */
const GuardedDealers: CollectionConfig = {
  ...Dealers,
  access: { ...Dealers.access, update: ({ req }) => role(req) === 'admin' },
}

const sharedConfig = {
  collections: [GuardedDealers, Users, Customers],
  extend: (config: import('payload').Config) => ({
    ...config,
    serverURL,
    admin: { ...config.admin, user: 'users' },
  }),
}

let app: TestApp
/** A second instance on the same database with the default access (no option). */
let byDefault: { payload: Payload; key: string }
const auth: Record<'anonymous' | 'customer' | Role, Record<string, string>> = {
  anonymous: {},
  customer: {},
  viewer: {},
  ops: {},
  admin: {},
}
let ids: string[] = []

async function call(
  instance: { payload: Payload; key: string },
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  contentType = 'application/json',
) {
  const request = new Request(`${serverURL}/api${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body,
  })
  const response = await handleEndpoints({
    config: Promise.resolve(instance.payload.config),
    request,
    payloadInstanceCacheKey: instance.key,
  } as never)
  const text = await response.text()
  return {
    status: response.status,
    text,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  }
}
const api = (method: string, path: string, who: keyof typeof auth, body?: unknown) =>
  call(app, method, path, auth[who], body === undefined ? undefined : JSON.stringify(body))

/** Payload's error answer: `{ errors: [{ message, data }] }`. */
const errorData = (res: { body: Record<string, unknown> }) =>
  ((res.body.errors as Array<{ data?: Record<string, unknown> }>)?.[0]?.data ?? {}) as Record<
    string,
    unknown
  >

async function login(
  collection: string,
  email: string,
  password: string,
): Promise<{ cookie: string; token: string }> {
  const res = await call(
    app,
    'POST',
    `/${collection}/login`,
    {},
    JSON.stringify({ email, password }),
  )
  expect(res.status).toBe(200)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]
  return { cookie, token: String(res.body.token) }
}

async function snapshot() {
  const rows = [...(await app.rows()).values()].map((r) => `${r.id}:${r.name}`).sort()
  const { docs } = await app.payload.find({
    collection: 'dealers',
    limit: 0,
    pagination: false,
    depth: 0,
    overrideAccess: true,
  })
  const events = await app.payload.find({
    collection: 'supabase-sync-events',
    limit: 0,
    pagination: false,
    depth: 0,
    overrideAccess: true,
    sort: 'createdAt',
  })
  return {
    rows,
    docs: docs.map((d) => `${d.id}:${d.name}:${d.updatedAt}`).sort(),
    events: events.docs as unknown as { outcome: string; user: string; action: string }[],
  }
}

beforeAll(async () => {
  app = await startApp({
    ...sharedConfig,
    sync: {
      access: {
        read: ({ req }) => role(req) !== undefined,
        sync: ({ req }) => ['admin', 'ops'].includes(role(req) ?? ''),
        pull: ({ req }) => ['admin', 'ops'].includes(role(req) ?? ''),
        reset: ({ req }) => role(req) === 'admin',
      },
    },
  })
  byDefault = await startPayload(app.stack, { ...sharedConfig, sync: { syncOnInit: false } })
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
  }
  // Public sign-up, as any visitor could.
  expect(
    (
      await call(
        app,
        'POST',
        '/customers',
        {},
        JSON.stringify({ email: 'visitor@example.com', password: 'secret-password' }),
      )
    ).status,
  ).toBe(201)
  // A browser on the admin's own origin sends these with its cookie; Payload's csrf checks them.
  const browser = { 'sec-fetch-site': 'same-origin' }
  auth.customer = {
    cookie: (await login('customers', 'visitor@example.com', 'secret-password')).cookie,
    ...browser,
  }
  auth.admin = {
    cookie: (await login('users', 'admin@example.com', 'secret-password')).cookie,
    ...browser,
  }
  auth.ops = {
    authorization: `JWT ${(await login('users', 'ops@example.com', 'secret-password')).token}`,
  }
  auth.viewer = { authorization: 'users API-Key api-key-of-viewer-0123456789' }
  ids = await Promise.all(
    Array.from({ length: 3 }, async () =>
      String((await app.payload.create({ collection: 'dealers', data: dealerData() })).id),
    ),
  )
  await settled(app)
}, 120_000)
afterAll(async () => {
  await byDefault?.payload.destroy().catch(() => {})
  await app?.close()
})

describe('the access matrix (role-based access option)', () => {
  type Who = keyof typeof auth
  const everyone: Who[] = ['anonymous', 'customer', 'viewer', 'ops', 'admin']
  const expectations: Array<[string, string, unknown, Record<Who, number>]> = [
    [
      'GET',
      '/supabase-sync/status',
      undefined,
      { anonymous: 401, customer: 403, viewer: 200, ops: 200, admin: 200 },
    ],
    [
      'GET',
      '/supabase-sync/validate',
      undefined,
      { anonymous: 401, customer: 403, viewer: 200, ops: 200, admin: 200 },
    ],
    [
      'POST',
      '/supabase-sync/validate',
      {},
      { anonymous: 401, customer: 403, viewer: 200, ops: 200, admin: 200 },
    ],
    [
      'POST',
      '/supabase-sync/sync',
      {},
      { anonymous: 401, customer: 403, viewer: 403, ops: 200, admin: 200 },
    ],
    [
      'POST',
      '/supabase-sync/retry',
      {},
      { anonymous: 401, customer: 403, viewer: 403, ops: 200, admin: 200 },
    ],
    [
      'POST',
      '/supabase-sync/reset',
      { confirm: true },
      { anonymous: 401, customer: 403, viewer: 403, ops: 403, admin: 200 },
    ],
    [
      'POST',
      '/supabase-sync/pull',
      { ids: [] },
      { anonymous: 401, customer: 403, viewer: 403, ops: 200, admin: 200 },
    ],
    [
      'GET',
      '/supabase-sync-events',
      undefined,
      { anonymous: 403, customer: 403, viewer: 200, ops: 200, admin: 200 },
    ],
  ]

  it.each(expectations)('%s %s', async (method, path, body, expected) => {
    for (const who of everyone) {
      const before = await snapshot()
      const res = await api(method, path, who, body)
      expect({ who, status: res.status }).toEqual({ who, status: expected[who] })
      if (res.status >= 400) {
        // A refusal changes nothing: no row, no document; the only new events record the refusal.
        const after = await snapshot()
        expect(after.rows).toEqual(before.rows)
        expect(after.docs).toEqual(before.docs)
        const added = after.events.slice(before.events.length)
        for (const event of added) expect(event.outcome).toBe('refused')
        if (
          res.status === 403 &&
          method === 'POST' &&
          path.startsWith('/supabase-sync/') &&
          path !== '/supabase-sync/validate'
        ) {
          // Recorded for users who may read the trail; a customer's is only logged (no flooding).
          expect(added.map((e) => e.user)).toEqual(
            who === 'customer' ? [] : [expect.stringContaining(`${who}@example.com`)],
          )
        }
        expect(res.text).not.toMatch(/select |insert |params:| {4}at /i)
      }
    }
  })

  it('the dashboard panel renders for users with read, and for nobody else', async () => {
    const users = await app.payload.find({
      collection: 'users',
      limit: 10,
      depth: 0,
      overrideAccess: true,
    })
    const customer = (
      await app.payload.find({ collection: 'customers', limit: 1, depth: 0, overrideAccess: true })
    ).docs[0]
    const render = (user: unknown) => SyncHealth({ payload: app.payload, user } as never)
    expect(await render(null)).toBeNull()
    expect(await render({ ...customer, collection: 'customers' })).toBeNull()
    for (const user of users.docs)
      expect(await render({ ...user, collection: 'users' })).not.toBeNull()
  })
})

describe('with the default access (no option)', () => {
  it('users of the admin user collection may do everything; users of other auth collections nothing', async () => {
    const get = (who: 'customer' | 'viewer') =>
      call(byDefault, 'GET', '/supabase-sync/status', auth[who])
    expect((await get('viewer')).status).toBe(200)
    expect((await get('customer')).status).toBe(403)
    const sync = (who: 'customer' | 'viewer') =>
      call(byDefault, 'POST', '/supabase-sync/sync', auth[who], JSON.stringify({ ids: [ids[0]] }))
    expect((await sync('customer')).status).toBe(403)
    expect((await sync('viewer')).status).toBe(200)
    expect((await call(byDefault, 'GET', '/supabase-sync-events', auth.customer)).status).toBe(403)
    expect((await call(byDefault, 'GET', '/supabase-sync-events', auth.viewer)).status).toBe(200)
  })
})

describe('requests are checked before anything runs', () => {
  it('a GET validate records nothing', async () => {
    const before = (await snapshot()).events.length
    expect((await api('GET', '/supabase-sync/validate', 'viewer')).status).toBe(200)
    expect((await snapshot()).events.length).toBe(before)
  })

  it('a POST that is not JSON gets 415 (a cross-site form cannot send JSON without a preflight)', async () => {
    const form = new FormData()
    form.set('_payload', JSON.stringify({ confirm: true }))
    const request = new Request(`${serverURL}/api/supabase-sync/reset`, {
      method: 'POST',
      headers: auth.admin,
      body: form,
    })
    const before = await snapshot()
    const res = await handleEndpoints({
      config: Promise.resolve(app.payload.config),
      request,
      payloadInstanceCacheKey: app.key,
    } as never)
    expect(res.status).toBe(415)
    expect(await snapshot()).toEqual(before)
    const text = await call(app, 'POST', '/supabase-sync/sync', auth.admin, 'ids=x', 'text/plain')
    expect(text.status).toBe(415)
  })

  it('an id with a " gets 400 naming the parameter, and touches nothing', async () => {
    const before = await snapshot()
    const stats = app.stack.stats().total
    const res = await api('POST', '/supabase-sync/sync', 'admin', { ids: ['x",id.neq.0'] })
    expect(res.status).toBe(400)
    expect(errorData(res).parameter).toBe('ids.0')
    expect(await snapshot()).toEqual(before)
    expect(app.stack.stats().total).toBe(stats)
    for (const bad of [
      { collection: 'users' },
      { force: 'yes' },
      { ids: 'not-a-list' },
      { surprise: true },
    ]) {
      const r = await api('POST', '/supabase-sync/sync', 'admin', bad)
      expect(r.status).toBe(400)
      expect(typeof errorData(r).parameter).toBe('string')
    }
  })

  it("a cookie sent from another origin is not a login (Payload's csrf, with serverURL set)", async () => {
    const res = await call(
      app,
      'POST',
      '/supabase-sync/sync',
      { cookie: auth.admin.cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      JSON.stringify({}),
    )
    expect(res.status).toBe(401)
    const same = await call(
      app,
      'POST',
      '/supabase-sync/validate',
      { cookie: auth.admin.cookie, origin: serverURL },
      JSON.stringify({}),
    )
    expect(same.status).toBe(200)
  })

  it('pull by a user without update access to the documents changes nothing', async () => {
    await app.supabase.query(
      `update public.dealers set name = 'edited in Supabase' where id = $1`,
      [ids[1]],
    )
    const before = await app.payload.findByID({
      collection: 'dealers',
      id: ids[1],
      depth: 0,
      overrideAccess: true,
    })
    const res = await api('POST', '/supabase-sync/pull', 'ops', { ids: [ids[1]] })
    expect(res.status).toBe(200)
    expect(res.body.pulled).toEqual([])
    expect((res.body.failed as { id: string }[]).map((f) => f.id)).toEqual([ids[1]])
    const after = await app.payload.findByID({
      collection: 'dealers',
      id: ids[1],
      depth: 0,
      overrideAccess: true,
    })
    expect(after.name).toBe(before.name)
    expect(after.updatedAt).toBe(before.updatedAt)
    // An admin may.
    const admin = await api('POST', '/supabase-sync/pull', 'admin', { ids: [ids[1]] })
    expect((admin.body.pulled as { id: string }[]).map((p) => p.id)).toEqual([ids[1]])
  })

  it('a second sync of a collection while one runs is refused with 409', async () => {
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const first = api('POST', '/supabase-sync/sync', 'admin', {})
    await hold.arrived
    const second = await api('POST', '/supabase-sync/sync', 'ops', {})
    expect(second.status).toBe(409)
    hold.release()
    expect((await first).status).toBe(200)
  })

  it('a run of a sync while one runs is refused with 409 at once; a forbidden run of a reset is recorded', async () => {
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET' })
    const first = api('POST', '/supabase-sync/sync', 'admin', {})
    await hold.arrived
    const run = await api('POST', '/supabase-sync/runs', 'admin', { op: 'sync' })
    expect(run.status).toBe(409)
    expect(JSON.stringify(run.body)).toMatch(/already running/)
    hold.release()
    expect((await first).status).toBe(200)
    const before = (await snapshot()).events.length
    const refused = await api('POST', '/supabase-sync/runs', 'viewer', {
      op: 'reset',
      confirm: true,
    })
    expect(refused.status).toBe(403)
    const events = (await snapshot()).events.slice(before)
    expect(events).toMatchObject([{ action: 'reset', outcome: 'refused' }])
  })

  it('network failures show no stack trace: in status, in job errors, in the Sync events', async () => {
    await app.stack.faults.down()
    try {
      const status = await api('GET', '/supabase-sync/status', 'viewer')
      expect(status.status).toBe(200)
      expect((status.body.supabase as { reachable: boolean }).reachable).toBe(false)
      const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
      const job = await eventually(async () => {
        const { docs } = await app.payload.find({
          collection: 'payload-jobs',
          where: { 'input.id': { equals: String(doc.id) } } as never,
          depth: 0,
          overrideAccess: true,
        })
        expect((docs[0] as { error?: unknown } | undefined)?.error).toBeTruthy()
        return docs[0] as unknown as { error: { message: string } }
      })
      const synced = await api('POST', '/supabase-sync/sync', 'admin', { ids: [String(doc.id)] })
      for (const text of [
        status.text,
        JSON.stringify(job.error),
        synced.text,
        JSON.stringify((await snapshot()).events.slice(-3)),
      ]) {
        expect(text).not.toMatch(/\n\s+at |\\n\s+at |node:internal|undici/)
      }
    } finally {
      await app.stack.faults.up()
    }
    await settled(app)
  })

  it('a database error reaches the client without SQL, with the id of its log line', async () => {
    await app.payload.db.pool.query('alter table dealers rename to dealers_away')
    try {
      const res = await api('POST', '/supabase-sync/validate', 'admin', {})
      expect(res.status).toBe(500)
      expect(res.text).not.toMatch(/select|dealers_away|params| {4}at /i)
      expect(typeof errorData(res).logId).toBe('string')
      expect(app.logs.find((l) => l.logId === errorData(res).logId)).toHaveLength(1)
    } finally {
      await app.payload.db.pool.query('alter table dealers_away rename to dealers')
    }
  })
})
