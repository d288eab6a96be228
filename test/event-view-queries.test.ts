/**
 * Reading a page of Sync events as a user whose read access to the dealers is a `where` (a tenant's),
 * with a field of its own read access: each event's afterRead checked which of its documents the user
 * may read — two reads of the dealers per event (and two more for the fields), 100 for a page of 50.
 * Now a page is checked in one pass. Counted by wrapping the Payload instance's `find` (the real
 * one runs): reads of the dealers while the page is read, not durations.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  handleEndpoints,
  type CollectionConfig,
  type Field,
  type Payload,
  type Where,
} from 'payload'
import { Dealers, type AccessFunction } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { recordEvent } from '../src/ops/audit.js'
import { notReadableText } from '../src/ops/readable.js'
import { dealerData, settled, startApp, type TestApp } from './support/app.js'

const serverURL = 'http://localhost:3000'
const tenantOf = (req: Parameters<AccessFunction>[0]['req']) =>
  (req.user as { tenant?: string | null } | null)?.tenant

const Users: CollectionConfig = {
  slug: 'users',
  auth: { useAPIKey: true },
  fields: [{ name: 'tenant', type: 'text' }],
}
/** Dealers by tenant (slug prefix); the HomeNet settings with a read access of their own (a tenant's user reads them). */
const TenantDealers: CollectionConfig = {
  ...Dealers,
  fields: Dealers.fields.map((field: Field) =>
    'name' in field && field.name === 'homenet_config'
      ? ({ ...field, access: { read: ({ req }) => tenantOf(req) !== 'none' } } as Field)
      : field,
  ),
  access: {
    ...Dealers.access,
    read: ({ req }): boolean | Where => {
      const tenant = tenantOf(req)
      return tenant ? { slug: { like: `${tenant}-` } } : Boolean(req.user)
    },
  },
}

let app: TestApp
const dealer = { acme: { id: '', slug: '' }, globex: { id: '', slug: '' } }
const acmeKey = { authorization: 'users API-Key api-key-of-acme-0123456789' }

beforeAll(async () => {
  app = await startApp({
    collections: [TenantDealers, Users],
    extend: (config) => ({ ...config, serverURL, admin: { ...config.admin, user: 'users' } }),
  })
  await app.payload.create({
    collection: 'users',
    data: {
      tenant: 'acme',
      email: 'acme@example.com',
      password: 'secret-password',
      enableAPIKey: true,
      apiKey: 'api-key-of-acme-0123456789',
    } as never,
  })
  for (const tenant of ['acme', 'globex'] as const) {
    const data = dealerData()
    const slug = `${tenant}-${String(data.slug)}`
    const doc = await app.payload.create({ collection: 'dealers', data: { ...data, slug } })
    dealer[tenant] = { id: String(doc.id), slug }
  }
  await settled(app)
  // 60 failed deliveries, each quoting its dealer's slug as PostgreSQL does, the two tenants in turn.
  const runtime = getRuntime(app.payload)
  for (let i = 0; i < 60; i++) {
    const { id, slug } = i % 2 ? dealer.globex : dealer.acme
    const message = `duplicate key value violates unique constraint: Key (slug)=(${slug}) already exists`
    await recordEvent(runtime, {
      action: 'delivery',
      collectionSlug: 'dealers',
      outcome: 'failed',
      summary: `1 delivery failed for good (fix the cause, then retry): ${message}`,
      ids: [id],
      details: [{ id, message, code: '23505', status: 409 }],
    })
  }
}, 120_000)
afterAll(async () => {
  await app?.close()
})

interface Event {
  ids: string[]
  summary: string
  details: unknown
}

/** A page of the trail as acme's user reads it (Payload's REST API), with the reads of the dealers it took. */
async function pageOfEvents(limit: number): Promise<{ docs: Event[]; dealerReads: number }> {
  const payload: Payload = app.payload
  const find = payload.find.bind(payload)
  let dealerReads = 0
  payload.find = ((args: Parameters<Payload['find']>[0]) => {
    if (args.collection === 'dealers') dealerReads++
    return find(args)
  }) as Payload['find']
  try {
    const response = await handleEndpoints({
      config: Promise.resolve(payload.config),
      request: new Request(
        `${serverURL}/api/supabase-sync-events?where[collectionSlug][equals]=dealers&limit=${limit}&depth=0`,
        { headers: acmeKey },
      ),
      payloadInstanceCacheKey: app.key,
    } as never)
    expect(response.status).toBe(200)
    const { docs } = (await response.json()) as { docs: Event[] }
    expect(docs).toHaveLength(limit)
    return { docs, dealerReads }
  } finally {
    payload.find = find
  }
}

it('a page of events costs the same reads of the dealers whatever its size, and shows each event as the user may see it', async () => {
  const small = await pageOfEvents(5)
  const large = await pageOfEvents(50)
  // Before: two per event (four with the field's access): 20 and 200.
  expect(large.dealerReads).toBe(small.dealerReads)
  // Which the user may read (two reads), and whether all of their fields (two more): once a page.
  expect(large.dealerReads).toBe(4)

  const text = JSON.stringify(large.docs)
  expect(text).not.toContain(dealer.globex.slug)
  for (const event of large.docs) {
    const [id] = event.ids
    if (id === dealer.globex.id) {
      expect(event.summary).toBe(
        `1 delivery failed for good (fix the cause, then retry): ${notReadableText}`,
      )
      expect(event.details).toEqual([{ id, hidden: notReadableText }])
    } else {
      expect(id).toBe(dealer.acme.id)
      expect(event.summary).toContain(dealer.acme.slug)
      expect(event.details).toEqual([
        expect.objectContaining({
          id,
          code: '23505',
          message: expect.stringContaining(dealer.acme.slug),
        }),
      ])
    }
  }
  expect(large.docs.filter((e) => e.ids[0] === dealer.acme.id)).toHaveLength(25)
})

it('a read that selects only the summary and the details still shows them as the user may see them', async () => {
  const response = await handleEndpoints({
    config: Promise.resolve(app.payload.config),
    request: new Request(
      `${serverURL}/api/supabase-sync-events?where[collectionSlug][equals]=dealers&limit=10&depth=0&select[summary]=true&select[details]=true`,
      { headers: acmeKey },
    ),
    payloadInstanceCacheKey: app.key,
  } as never)
  expect(response.status).toBe(200)
  const { docs } = (await response.json()) as { docs: Array<Partial<Event>> }
  expect(docs).toHaveLength(10)
  expect(docs.every((e) => typeof e.summary === 'string')).toBe(true)
  expect(JSON.stringify(docs)).not.toContain(dealer.globex.slug)
  expect(JSON.stringify(docs)).toContain(dealer.acme.slug)
})
