/**
 * Messages about a document the user may read, but not every field the mapper reads of it (the
 * dealers' HomeNet settings, for admins only). A failure's cause can quote such a field's value —
 * PostgreSQL's "Failing row contains (…)", a mapper's refusal naming the value — and reached the
 * user through `/status`, `/sync`, `/validate`, `/documents` and the Sync events. Now the text is
 * replaced for that user (its id, field name, code and status stay); an admin, who reads every
 * field, gets it as it was said.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalReq, handleEndpoints, type CollectionConfig, type Field } from 'payload'
import { Dealers, dealerMapper, defineMapper, type AccessFunction } from '../src/index.js'
import type { DocumentStatus } from '../src/ops/compare.js'
import { eventsForReader } from '../src/ops/event-view.js'
import { fieldsNotReadableText } from '../src/ops/readable.js'
import type { StatusResult } from '../src/ops/status.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

const serverURL = 'http://localhost:3000'
type Role = 'admin' | 'ops'
const roleOf = (req: Parameters<AccessFunction>[0]['req']) =>
  (req.user as { collection?: string; role?: Role } | null)?.role

const Users: CollectionConfig = {
  slug: 'users',
  auth: { useAPIKey: true },
  fields: [{ name: 'role', type: 'select', options: ['admin', 'ops'], required: true }],
}
/** Every user reads every dealer; the HomeNet settings only an admin. */
const FieldDealers: CollectionConfig = {
  ...Dealers,
  fields: Dealers.fields.map((field: Field) =>
    'name' in field && field.name === 'homenet_config'
      ? ({ ...field, access: { read: ({ req }) => roleOf(req) === 'admin' } } as Field)
      : field,
  ),
  access: { ...Dealers.access, read: ({ req }) => roleOf(req) !== undefined },
}
/** The dealers' mapper, refusing a rooftop id `REFUSED-…` with a message that quotes it. */
const mapper = defineMapper({
  ...dealerMapper,
  toRow(doc) {
    const rooftop = doc.homenet_config?.rooftop_id
    if (rooftop?.startsWith('REFUSED-'))
      throw Object.assign(new Error(`rooftop id ${rooftop} is not accepted`), {
        field: 'homenet_config.rooftop_id',
      })
    return dealerMapper.toRow(doc)
  },
})

let app: TestApp
const auth: Record<Role, Record<string, string>> = { admin: {}, ops: {} }

async function api(method: string, path: string, who: Role, body?: unknown) {
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

beforeAll(async () => {
  app = await startApp({
    collections: [FieldDealers, Users],
    extend: (config) => ({ ...config, serverURL, admin: { ...config.admin, user: 'users' } }),
    sync: {
      collections: { dealers: { table: 'dealers', mapper: mapper as never } },
      access: {
        read: ({ req }) => roleOf(req) !== undefined,
        sync: ({ req }) => roleOf(req) !== undefined,
        pull: ({ req }) => roleOf(req) === 'admin',
        reset: ({ req }) => roleOf(req) === 'admin',
      },
    },
  })
  for (const role of ['admin', 'ops'] as const) {
    await app.payload.create({
      collection: 'users',
      data: {
        role,
        email: `${role}@example.com`,
        password: 'secret-password',
        enableAPIKey: true,
        apiKey: `api-key-of-${role}-0123456789`,
      } as never,
    })
    auth[role] = { authorization: `users API-Key api-key-of-${role}-0123456789` }
  }
}, 120_000)
afterAll(async () => {
  await app?.close()
})

/** A request of this user, as the console's server components get it. */
async function asUser(role: Role) {
  const { docs } = await app.payload.find({
    collection: 'users',
    where: { email: { equals: `${role}@example.com` } },
    overrideAccess: true,
  })
  return createLocalReq({ user: { ...docs[0], collection: 'users' } as never }, app.payload)
}

async function newDealer(rooftop: string): Promise<string> {
  const doc = await app.payload.create({
    collection: 'dealers',
    data: dealerData({ homenet_config: { rooftop_id: rooftop } }) as never,
  })
  return String(doc.id)
}

/** The status's failed delivery of this dealer, as this user gets it. */
async function failureOf(id: string, who: Role) {
  const res = await api('GET', '/supabase-sync/status', who)
  expect(res.status).toBe(200)
  return { res, failure: (res.body as StatusResult).failures.find((f) => f.id === id) }
}

type Event = { action: string; summary: string; details: unknown }
async function eventsOf(id: string, who: Role) {
  const res = await api(
    'GET',
    `/supabase-sync-events?where[collectionSlug][equals]=dealers&limit=100&depth=0`,
    who,
  )
  expect(res.status).toBe(200)
  // Named in its ids, or in its details only (a validate's unmappable documents).
  const docs = (res.body as { docs: Event[] }).docs.filter((d) => JSON.stringify(d).includes(id))
  return { docs, text: JSON.stringify(docs) }
}

describe('a cause that quotes a value of a field the user may not read', () => {
  it("PostgreSQL's failing row: the status, a sync's result, the document's state and the Sync events replace it", async () => {
    const rooftop = `R-SECRET-${Date.now()}`
    const id = await newDealer(rooftop)
    await settled(app)
    const quoting = () =>
      app.stack.faults.failNext(1, 400, {
        path: 'rpc/supabase_sync_apply',
        code: '23514',
        message: `new row violates check constraint "dealers_check": Failing row contains (${id}, ${rooftop})`,
      })
    quoting()
    await app.payload.update({ collection: 'dealers', id, data: { name: `Renamed ${Date.now()}` } })
    // The admin reads every field: the cause as PostgreSQL said it.
    await eventually(async () =>
      expect((await failureOf(id, 'admin')).failure?.error?.message).toContain(rooftop),
    )
    expect((await eventsOf(id, 'admin')).text).toContain(rooftop)

    // Before: the same cause, quoting the rooftop id the user may not read.
    const status = await failureOf(id, 'ops')
    expect(status.failure?.error).toMatchObject({ message: fieldsNotReadableText, code: '23514' })
    expect(status.res.text).not.toContain(rooftop)

    const documents = await api('GET', `/supabase-sync/documents?id=${id}`, 'ops')
    const [state] = documents.body as DocumentStatus[]
    expect(state.failure).toMatchObject({ message: fieldsNotReadableText, code: '23514' })
    expect(documents.text).not.toContain(rooftop)

    quoting()
    const synced = await api('POST', '/supabase-sync/sync', 'ops', { ids: [id] })
    expect(synced.status).toBe(200)
    expect(synced.body).toMatchObject({ failed: [{ id, message: fieldsNotReadableText }] })
    expect(synced.text).not.toContain(rooftop)

    const events = await eventsOf(id, 'ops')
    const deliveries = events.docs.filter((e) => e.action === 'delivery')
    expect(deliveries.length).toBeGreaterThan(0)
    for (const event of deliveries) {
      expect(event.summary).toContain(fieldsNotReadableText)
      expect(event.details).toEqual([
        expect.objectContaining({ id, message: fieldsNotReadableText, code: '23514' }),
      ])
    }
    expect(events.docs.some((e) => e.action === 'sync')).toBe(true)
    expect(events.text).not.toContain(rooftop)

    // A change caught in Supabase carries both values of each column: of this dealer, names only.
    const caught = {
      action: 'external-change',
      collection: 'dealers',
      summary: `1 row(s) changed in Supabase directly (1 update): left as they are (record)`,
      ids: [id],
      details: {
        policy: 'record',
        catches: [
          {
            id,
            outcome: 'recorded',
            fields: [{ field: 'rooftop_id', supabase: 'R-EDITED', payload: rooftop }],
          },
        ],
      },
    }
    const [shown] = await eventsForReader(app.payload, await asUser('ops'), [caught])
    expect(shown.details).toEqual({
      policy: 'record',
      catches: [{ id, outcome: 'recorded', fields: [{ field: 'rooftop_id', hidden: true }] }],
    })
    expect(await eventsForReader(app.payload, await asUser('admin'), [caught])).toEqual([caught])
  })

  it("a mapper's refusal: validate's unmappable, the document's state and the Sync events name the field, not the value", async () => {
    const rooftop = `REFUSED-${Date.now()}`
    const id = await newDealer(rooftop)
    await eventually(async () =>
      expect((await failureOf(id, 'admin')).failure?.error?.message).toContain(rooftop),
    )

    const status = await failureOf(id, 'ops')
    expect(status.failure?.error).toMatchObject({
      message: fieldsNotReadableText,
      field: 'homenet_config.rooftop_id',
    })
    expect(status.res.text).not.toContain(rooftop)

    const validated = await api('POST', '/supabase-sync/validate', 'ops', { ids: [id] })
    expect(validated.status).toBe(200)
    expect(validated.body).toMatchObject({
      failed: [{ id, field: 'homenet_config.rooftop_id', message: fieldsNotReadableText }],
    })
    expect(validated.text).not.toContain(rooftop)
    const forAdmin = await api('GET', `/supabase-sync/validate?id=${id}`, 'admin')
    expect(forAdmin.text).toContain(rooftop)

    const documents = await api('GET', `/supabase-sync/documents?id=${id}`, 'ops')
    expect(documents.body).toMatchObject([
      { id, state: 'unmappable', reason: fieldsNotReadableText },
    ])
    expect(documents.text).not.toContain(rooftop)
    const adminDocuments = await api('GET', `/supabase-sync/documents?id=${id}`, 'admin')
    expect(adminDocuments.body).toMatchObject([
      { id, state: 'unmappable', reason: expect.stringContaining(rooftop) },
    ])

    const events = await eventsOf(id, 'ops')
    expect(events.docs.map((e) => e.action)).toEqual(
      expect.arrayContaining(['delivery', 'validate']),
    )
    expect(events.text).toContain('homenet_config.rooftop_id')
    expect(events.text).not.toContain(rooftop)
    expect((await eventsOf(id, 'admin')).text).toContain(rooftop)
  })
})
