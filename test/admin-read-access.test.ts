/**
 * The plugin's `read` right lets a user look at the sync, not at documents the collection's own read
 * access keeps from that user. A multi-tenant set-up (dealers readable by tenant: `access.read` returns
 * a `where` on the slug), through Payload's REST pipeline (`handleEndpoints`) with API keys: a tenant's
 * user gets no values, titles or failure causes of another tenant's dealer — `GET …/documents` says
 * `not-readable`, the titles leave it out, the status, a sync's result and the Sync events hide its
 * cause — while its own dealers, and everything for an admin reading every tenant, are answered as
 * before. A field with a read access of its own (the dealers' HomeNet settings, for admins only): a
 * readable dealer's columns made from it (`rooftop_id`, `api_config.homenet_config`) are named without
 * values for the tenant's user, and shown whole to an admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createLocalReq,
  handleEndpoints,
  type CollectionConfig,
  type Field,
  type Where,
} from 'payload'
import { Dealers, type AccessFunction } from '../src/index.js'
import { describeState } from '../src/admin/present/documentState.js'
import { compareLines, hiddenFieldText } from '../src/admin/present/sideBySide.js'
import { loadEvents } from '../src/admin/server/events.js'
import { loadTitles } from '../src/admin/server/titles.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventsForReader } from '../src/ops/event-view.js'
import type { DocumentStatus } from '../src/ops/compare.js'
import { notReadableText } from '../src/ops/readable.js'
import type { StatusResult } from '../src/ops/status.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

const serverURL = 'http://localhost:3000'
interface TestUser {
  collection?: string
  role?: 'admin' | 'ops'
  tenant?: string | null
}
const userOf = (req: Parameters<AccessFunction>[0]['req']) => req.user as TestUser | null

const Users: CollectionConfig = {
  slug: 'users',
  auth: { useAPIKey: true },
  fields: [
    { name: 'role', type: 'select', options: ['admin', 'ops'], required: true },
    { name: 'tenant', type: 'text' },
  ],
}
/** The HomeNet settings (rooftop id, feed address): read by admins only. */
const adminsOnly = (field: Field): Field =>
  'name' in field && field.name === 'homenet_config'
    ? ({ ...field, access: { read: ({ req }) => userOf(req)?.role === 'admin' } } as Field)
    : field
/**
 * Dealers by tenant: a user with a tenant reads the dealers whose slug starts with it, one of tenant
 * `none` no dealer at all (access false), an admin (no tenant) every dealer. Their HomeNet settings
 * only an admin reads.
 */
const TenantDealers: CollectionConfig = {
  ...Dealers,
  fields: Dealers.fields.map(adminsOnly),
  access: {
    ...Dealers.access,
    read: ({ req }): boolean | Where => {
      const user = userOf(req)
      if (user?.collection !== 'users' || user.tenant === 'none') return false
      return user.tenant ? { slug: { like: `${user.tenant}-` } } : true
    },
  },
}

let app: TestApp
const auth: Record<'admin' | 'acme' | 'outsider', Record<string, string>> = {
  admin: {},
  acme: {},
  outsider: {},
}
/** A dealer of each tenant; Supabase's rows of both are tampered with (name) by the test. */
const dealer = { acme: { id: '', name: '', slug: '' }, globex: { id: '', name: '', slug: '' } }

async function api(method: string, path: string, who: keyof typeof auth, body?: unknown) {
  const request = new Request(`${serverURL}/api${path}`, {
    method,
    headers: {
      ...auth[who],
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const response = await handleEndpoints({
    config: Promise.resolve(app.payload.config),
    request,
    payloadInstanceCacheKey: app.key,
  } as never)
  const text = await response.text()
  return { status: response.status, text, body: text ? (JSON.parse(text) as unknown) : {} }
}

const documents = (who: keyof typeof auth, ...ids: string[]) =>
  api('GET', `/supabase-sync/documents?${ids.map((id) => `id=${id}`).join('&')}`, who)

/** A request of this user, as the console's server components get it. */
async function asUser(email: string) {
  const { docs } = await app.payload.find({
    collection: 'users',
    where: { email: { equals: email } },
    overrideAccess: true,
  })
  return createLocalReq({ user: { ...docs[0], collection: 'users' } as never }, app.payload)
}

/** A delivery refused with what PostgreSQL says of a check violation: the failing row, values and all. */
function failNextDeliveryQuoting(slug: string) {
  app.stack.faults.failNext(1, 400, {
    path: 'rpc/supabase_sync_apply',
    code: '23514',
    message: `new row violates check constraint "dealers_check": Failing row contains (${slug})`,
  })
}

beforeAll(async () => {
  app = await startApp({
    collections: [TenantDealers, Users],
    extend: (config) => ({ ...config, serverURL, admin: { ...config.admin, user: 'users' } }),
    sync: {
      access: {
        read: ({ req }) => userOf(req)?.collection === 'users',
        sync: ({ req }) => userOf(req)?.collection === 'users',
        pull: ({ req }) => userOf(req)?.role === 'admin',
        reset: ({ req }) => userOf(req)?.role === 'admin',
      },
    },
  })
  const users: Array<[keyof typeof auth, TestUser]> = [
    ['admin', { role: 'admin', tenant: null }],
    ['acme', { role: 'ops', tenant: 'acme' }],
    ['outsider', { role: 'ops', tenant: 'none' }],
  ]
  for (const [who, data] of users) {
    await app.payload.create({
      collection: 'users',
      data: {
        ...data,
        email: `${who}@example.com`,
        password: 'secret-password',
        enableAPIKey: true,
        apiKey: `api-key-of-${who}-0123456789`,
      } as never,
    })
    auth[who] = { authorization: `users API-Key api-key-of-${who}-0123456789` }
  }
  for (const tenant of ['acme', 'globex'] as const) {
    const data = dealerData()
    const slug = `${tenant}-${String(data.slug)}`
    const name = `${tenant === 'acme' ? 'Acme' : 'Globex'} Motors ${String(data.slug)}`
    const doc = await app.payload.create({ collection: 'dealers', data: { ...data, slug, name } })
    dealer[tenant] = { id: String(doc.id), name, slug }
  }
  await settled(app)
  for (const d of Object.values(dealer))
    await app.supabase.query(`update public.dealers set name = $1 where id = $2`, [
      `${d.name} (edited in Supabase)`,
      d.id,
    ])
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe("GET …/documents under the collection's read access", () => {
  it("a tenant's user gets its own dealer's values, and of another tenant's only not-readable", async () => {
    const res = await documents('acme', dealer.acme.id, dealer.globex.id)
    expect(res.status).toBe(200)
    const [own, other] = res.body as DocumentStatus[]
    expect(own).toMatchObject({
      id: dealer.acme.id,
      state: 'differs',
      fields: [
        {
          field: 'name',
          payload: dealer.acme.name,
          supabase: `${dealer.acme.name} (edited in Supabase)`,
        },
      ],
    })
    // Nothing but the id it named and the state: neither side's values, no reason, no failure.
    expect(other).toEqual({ id: dealer.globex.id, state: 'not-readable' })
    expect(res.text).not.toContain('Globex')
    expect(res.text).not.toContain(dealer.globex.slug)
    // The box and the pill say so.
    expect(describeState(other)).toMatchObject({ key: 'not-readable', label: 'Not readable' })
  })

  it("a user whose read access is false gets neither (and no 403: it has the plugin's read)", async () => {
    const res = await documents('outsider', dealer.acme.id, dealer.globex.id)
    expect(res.status).toBe(200)
    expect(res.body).toEqual([
      { id: dealer.acme.id, state: 'not-readable' },
      { id: dealer.globex.id, state: 'not-readable' },
    ])
  })

  it('an admin reading every tenant gets both, values and all, as before', async () => {
    const res = await documents('admin', dealer.acme.id, dealer.globex.id)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject([
      { id: dealer.acme.id, state: 'differs', fields: [{ field: 'name' }] },
      {
        id: dealer.globex.id,
        state: 'differs',
        fields: [
          {
            field: 'name',
            payload: dealer.globex.name,
            supabase: `${dealer.globex.name} (edited in Supabase)`,
          },
        ],
      },
    ])
  })

  it('a row without a document is still told as extra (it has no document to keep from anyone)', async () => {
    const { rows } = await app.supabase.query<{ id: string }>(
      `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'orphan', $1, now()) returning id::text`,
      [`orphan-${Date.now()}`],
    )
    const res = await documents('acme', rows[0].id)
    expect(res.body).toMatchObject([{ id: rows[0].id, state: 'extra' }])
    await app.supabase.query(`delete from public.dealers where id = $1`, [rows[0].id])
  })
})

describe("a field's own read access", () => {
  const feed = 'https://feeds.homenet.example/secret-rooftop.csv'
  const edited = { rooftop: 'R-EDITED-IN-SUPABASE', feed: 'https://feeds.example/edited.csv' }
  let id = ''
  let rooftop = ''
  beforeAll(async () => {
    const data = dealerData()
    rooftop = `R-HIDDEN-${String(data.slug)}`
    const doc = await app.payload.create({
      collection: 'dealers',
      data: {
        ...data,
        slug: `acme-${String(data.slug)}`,
        homenet_config: { rooftop_id: rooftop, feed_url: feed },
      },
    })
    id = String(doc.id)
    await settled(app)
    // Supabase's row differs in the name (readable) and in what the HomeNet settings make.
    await app.supabase.query(
      `update public.dealers set name = name || ' (edited)', rooftop_id = $1,
         api_config = jsonb_set(api_config, '{homenet_config}', $2::jsonb) where id = $3`,
      [edited.rooftop, JSON.stringify({ rooftop_id: edited.rooftop, feed_url: edited.feed }), id],
    )
  })

  it('a user who may read the dealer but not the field gets the columns it makes by name only', async () => {
    // Payload's own REST read of the dealer leaves the field out for this user.
    const rest = await api('GET', `/dealers/${id}?depth=0`, 'acme')
    expect(rest.status).toBe(200)
    expect(rest.body).not.toHaveProperty('homenet_config')

    const res = await documents('acme', id)
    expect(res.status).toBe(200)
    const [state] = res.body as DocumentStatus[]
    expect(state.state).toBe('differs')
    const byField = new Map(state.fields!.map((f) => [f.field, f]))
    expect([...byField.keys()].sort()).toEqual(['api_config.homenet_config', 'name', 'rooftop_id'])
    expect(byField.get('name')).toMatchObject({
      payload: expect.any(String),
      supabase: /\(edited\)$/,
    })
    for (const field of ['rooftop_id', 'api_config.homenet_config'])
      expect(byField.get(field)).toEqual({ field, readOnly: false, hidden: true })
    // Neither side's value, anywhere in the answer.
    for (const value of [rooftop, feed, edited.rooftop, edited.feed])
      expect(res.text).not.toContain(value)
    // The console's Compare shows so, on both sides.
    const lines = compareLines(state.fields)
    const hidden = lines.filter((l) => l.field !== 'name')
    expect(hidden).toHaveLength(2)
    for (const line of hidden) {
      expect(line.payload).toMatchObject({ text: hiddenFieldText, kind: 'hidden' })
      expect(line.supabase).toMatchObject({ text: hiddenFieldText, kind: 'hidden' })
    }
    // The box names the fields, as the drift lists do.
    expect(describeState(state).fields?.sort()).toEqual([...byField.keys()].sort())
  })

  it('an admin, who reads the field, gets both sides of every column', async () => {
    const res = await documents('admin', id)
    const [state] = res.body as DocumentStatus[]
    expect(state.state).toBe('differs')
    const byField = new Map(state.fields!.map((f) => [f.field, f]))
    expect(byField.get('rooftop_id')).toEqual({
      field: 'rooftop_id',
      payload: rooftop,
      supabase: edited.rooftop,
      readOnly: false,
    })
    expect(byField.get('api_config.homenet_config')).toMatchObject({
      payload: { rooftop_id: rooftop, feed_url: feed },
      supabase: { rooftop_id: edited.rooftop, feed_url: edited.feed },
    })
    expect(res.text).not.toContain('"hidden"')
  })
})

describe('titles', () => {
  it("the console's titles (useAsTitle) leave out what the user may not read", async () => {
    const ids = [dealer.acme.id, dealer.globex.id]
    // Failed deliveries' titles, server-rendered for the viewing user.
    const forAcme = await loadTitles(app.payload, 'dealers', ids, await asUser('acme@example.com'))
    expect([...forAcme]).toEqual([[dealer.acme.id, dealer.acme.name]])
    const forAdmin = await loadTitles(
      app.payload,
      'dealers',
      ids,
      await asUser('admin@example.com'),
    )
    expect(forAdmin.get(dealer.globex.id)).toBe(dealer.globex.name)
    // The drift list's titles: Payload's REST API, as the console asks it (api.ts documentTitles).
    const query = `depth=0&limit=2&trash=true&where[id][in][0]=${ids[0]}&where[id][in][1]=${ids[1]}&select[name]=true`
    const rest = await api('GET', `/dealers?${query}`, 'acme')
    expect(rest.status).toBe(200)
    expect((rest.body as { docs: Array<{ id: string }> }).docs.map((d) => d.id)).toEqual([
      dealer.acme.id,
    ])
  })
})

describe('failure causes, which can quote a value', () => {
  it("a failed delivery of another tenant's dealer: the status names its id, not its cause", async () => {
    failNextDeliveryQuoting(dealer.globex.slug)
    const globex = await app.payload.update({
      collection: 'dealers',
      id: dealer.globex.id,
      data: { domain: `globex-${Date.now()}.example.com` },
    })
    expect(globex.id).toBeDefined()
    await eventually(async () => {
      const res = await api('GET', '/supabase-sync/status', 'admin')
      const failure = (res.body as StatusResult).failures.find((f) => f.id === dealer.globex.id)
      expect(failure?.error?.message).toContain(dealer.globex.slug)
    })
    const res = await api('GET', '/supabase-sync/status', 'acme')
    expect(res.status).toBe(200)
    const failure = (res.body as StatusResult).failures.find((f) => f.id === dealer.globex.id)
    expect(failure?.error).toMatchObject({ message: notReadableText, code: '23514' })
    expect(res.text).not.toContain(dealer.globex.slug)
  })

  it("a sync's result, and a background run's, hide the cause of another tenant's dealer", async () => {
    failNextDeliveryQuoting(dealer.globex.slug)
    const synced = await api('POST', '/supabase-sync/sync', 'acme', { ids: [dealer.globex.id] })
    expect(synced.status).toBe(200)
    expect(synced.body).toMatchObject({
      failed: [{ id: dealer.globex.id, message: notReadableText }],
    })
    expect(synced.text).not.toContain(dealer.globex.slug)

    failNextDeliveryQuoting(dealer.globex.slug)
    const started = await api('POST', '/supabase-sync/runs', 'admin', {
      op: 'sync',
      ids: [dealer.globex.id],
    })
    expect(started.status).toBe(200)
    const runId = String((started.body as { id: string }).id)
    const done = await eventually(async () => {
      const polled = await api('GET', `/supabase-sync/runs/${runId}`, 'admin')
      expect((polled.body as { status: string }).status).toBe('done')
      return polled
    })
    // The admin reads every tenant: the cause as PostgreSQL said it.
    expect(done.text).toContain(dealer.globex.slug)
    const polled = await api('GET', `/supabase-sync/runs/${runId}`, 'acme')
    expect(polled.body).toMatchObject({
      result: { failed: [{ id: dealer.globex.id, message: notReadableText }] },
    })
    expect(polled.text).not.toContain(dealer.globex.slug)
  })

  it('the Sync events of those failures: the trail names the dealer, not its cause', async () => {
    // Every event of the dealers: the deliveries' and the syncs' (their results' failures) alike.
    const query = `/supabase-sync-events?where[collectionSlug][equals]=dealers&limit=100&depth=0`
    const forAdmin = await api('GET', query, 'admin')
    expect(forAdmin.status).toBe(200)
    // Stored as PostgreSQL said it, and so read by an admin: summary and details quote the row.
    expect(forAdmin.text).toContain(dealer.globex.slug)
    const res = await api('GET', query, 'acme')
    expect(res.status).toBe(200)
    type Event = { action: string; ids?: string[]; summary: string; details: unknown }
    const docs = (res.body as { docs: Event[] }).docs
    const globex = docs.filter(
      (d) => d.action === 'delivery' && (d.ids ?? []).includes(dealer.globex.id),
    )
    expect(globex.length).toBeGreaterThan(0)
    for (const event of globex) {
      expect(event.summary).toMatch(/failed for good/)
      expect(event.summary).toContain(notReadableText)
      expect(event.details).toEqual([{ id: dealer.globex.id, hidden: notReadableText }])
    }
    expect(res.text).not.toContain(dealer.globex.slug)
    // The console's "Recent Sync events" (read straight from the table), for the same user.
    const runtime = getRuntime(app.payload)
    const page = await loadEvents(runtime, { document: dealer.globex.id, limit: 100 })
    const shown = await eventsForReader(app.payload, await asUser('acme@example.com'), page.rows)
    expect(shown.some((e) => e.action === 'delivery')).toBe(true)
    expect(JSON.stringify(shown)).not.toContain(dealer.globex.slug)
    expect(JSON.stringify(page.rows)).toContain(dealer.globex.slug)
  })
})
