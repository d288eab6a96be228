/**
 * The operators' tools: validate, sync, reset, pull, status — as Local API functions, as
 * `payload supabase-sync …` commands and as REST endpoints — and the audit trail they leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalReq, type CollectionConfig, type Endpoint, type PayloadRequest } from 'payload'
import {
  Dealers,
  dealerMapper,
  diffRows,
  pullFromSupabase,
  resetTable,
  syncStatus,
  validateSync,
} from '../src/index.js'
import {
  dealerData,
  eventually,
  startApp,
  payloadRows as sharedPayloadRows,
  type TestApp,
} from './support/app.js'
import { supabaseSyncCommand } from './support/cli.js'

const Users: CollectionConfig = {
  slug: 'users',
  auth: true,
  admin: { useAsTitle: 'email' },
  fields: [{ name: 'role', type: 'text' }],
}

let app: TestApp
let ids: string[]

beforeAll(async () => {
  app = await startApp({
    collections: [Dealers, Users],
    // Operators with role "ops" only (the documented way to restrict).
    sync: {
      syncOnInit: false,
      access: ({ req }) => (req.user as { role?: string } | null)?.role === 'ops',
    },
  })
  const docs = []
  for (let i = 0; i < 6; i++)
    docs.push(await app.payload.create({ collection: 'dealers', data: dealerData() }))
  ids = docs.map((d) => String(d.id)).sort()
  await eventually(async () =>
    expect(diffRows(await payloadRows(), await app.rows())).toMatchObject({
      missing: [],
      changed: [],
      extra: [],
    }),
  )
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

const payloadRows = () => sharedPayloadRows(app.payload)

/** Drift made behind Payload's back, straight in the Supabase database. */
async function makeDrift() {
  const [missing, changedName, changedConfig] = ids
  await app.supabase.query('delete from public.dealers where id = $1', [missing])
  await app.supabase.query(`update public.dealers set name = 'edited in Supabase' where id = $1`, [
    changedName,
  ])
  await app.supabase.query(
    `update public.dealers set api_config = jsonb_set(api_config, '{platforms}', '["custom"]'), rooftop_id = 'R-SB' where id = $1`,
    [changedConfig],
  )
  const { rows } = await app.supabase.query(
    `insert into public.dealers (id, name, slug, created_at) values (gen_random_uuid(), 'orphan', $1, now()) returning id`,
    [`orphan-${Date.now()}`],
  )
  return { missing, changedName, changedConfig, extra: String(rows[0].id) }
}

function expectDriftReport(
  report: {
    inSync: boolean
    missing: string[]
    extra: string[]
    changed: { id: string; fields: string[] }[]
  },
  drift: Awaited<ReturnType<typeof makeDrift>>,
) {
  expect(report.inSync).toBe(false)
  expect(report.missing).toEqual([drift.missing])
  expect(report.extra).toEqual([drift.extra])
  expect([...report.changed].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
    [
      { id: drift.changedName, fields: ['name'] },
      { id: drift.changedConfig, fields: ['rooftop_id', 'api_config.platforms'] },
    ].sort((a, b) => a.id.localeCompare(b.id)),
  )
}

async function events(action: string) {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: action } },
    sort: '-createdAt',
    limit: 20,
    depth: 0,
  })
  return docs as unknown as {
    action: string
    outcome: string
    user: string
    source: string
    ids: string[]
    fields: Record<string, string[]>
    summary: string
  }[]
}

async function endpoint(
  method: 'get' | 'post',
  path: string,
  user: Record<string, unknown> | null,
  body?: unknown,
) {
  const handler = (app.payload.config.endpoints as Endpoint[]).find(
    (e) => e.path === path && e.method === method,
  )!.handler
  const req = (await createLocalReq({ user: user as never }, app.payload)) as PayloadRequest
  ;(req as { method: string }).method = method.toUpperCase()
  if (body !== undefined) {
    req.json = async () => body
    req.headers = new Headers({ 'content-type': 'application/json' })
  }
  // Refusals are thrown as Payload's APIError; Payload's REST handler answers them (test/access.test.ts goes through it).
  const res = await Promise.resolve(handler(req)).catch(
    (error: { status?: number; message?: string; data?: unknown }) =>
      Response.json(
        { errors: [{ message: error.message, data: error.data }] },
        { status: error.status ?? 500 },
      ),
  )
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const cli = (...args: string[]) => supabaseSyncCommand(app.stack, ...args)

describe('validate', () => {
  it('reports drift made in Supabase exactly, through the Local API, the command and the endpoint', async () => {
    const drift = await makeDrift()
    const local = await validateSync(app.payload, { collection: 'dealers' })
    expectDriftReport(local, drift)

    const viaCli = await cli('validate', '--json')
    expect(viaCli.code).toBe(1)
    expectDriftReport(JSON.parse(viaCli.stdout), drift)
    const text = await cli('validate')
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('DRIFT')
    expect(text.stdout).toContain(`${drift.changedName}: name`)

    const ops = { id: 1, email: 'ops@example.com', collection: 'users', role: 'ops' }
    const viaGet = await endpoint('get', '/supabase-sync/validate', ops)
    expect(viaGet.status).toBe(200)
    expectDriftReport(viaGet.body as never, drift)
    const viaEndpoint = await endpoint('post', '/supabase-sync/validate', ops, {})
    expect(viaEndpoint.status).toBe(200)
    expectDriftReport(viaEndpoint.body as never, drift)

    const audit = await events('validate')
    expect(audit.length).toBeGreaterThanOrEqual(3)
    expect(audit.map((e) => e.source).sort()).toEqual(
      expect.arrayContaining(['api', 'bin', 'endpoint']),
    )
    const fromEndpoint = audit.find((e) => e.source === 'endpoint')!
    expect(fromEndpoint).toMatchObject({ outcome: 'drift' })
    expect(fromEndpoint.user).toContain('ops@example.com')
    expect(fromEndpoint.fields[drift.changedName]).toEqual(['name'])
  }, 120_000)

  it('sync --id repairs only that dealer', async () => {
    const before = await validateSync(app.payload)
    const target = before.changed.find((c) => c.fields.includes('rooftop_id'))!.id
    // Upper case, as some tools print uuids: the same document (PostgreSQL writes them lower case).
    const viaCli = await cli('sync', '--id', target.toUpperCase())
    expect(viaCli.code).toBe(0)
    const after = await validateSync(app.payload)
    expect(after.changed.map((c) => c.id)).not.toContain(target)
    expect(after.changed).toHaveLength(before.changed.length - 1)
    expect(after.missing).toEqual(before.missing)
    expect(after.extra).toEqual(before.extra)
    expect((await events('sync'))[0]).toMatchObject({ source: 'bin', outcome: 'ok' })
    // A bad id is named, as the endpoints name it, and nothing runs.
    const bad = await cli('sync', '--id', target, '--id', 'not-a-uuid')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('supabase-sync: --id not-a-uuid must be a uuid')
    expect((await events('sync'))[0]).toMatchObject({ source: 'bin', outcome: 'ok' })
  })

  it('pull takes the Supabase values into Payload for the given ids, refuses what cannot be mapped back, and both sides end equal', async () => {
    const report = await validateSync(app.payload)
    // (A drift of rooftop_id alone would contradict api_config.homenet_config.rooftop_id: the column wins a pull.)
    const target = report.changed.find((c) => !c.fields.includes('rooftop_id'))!
    await app.supabase.query(
      `update public.dealers set created_at = '2001-01-01T00:00:00Z' where id = $1`,
      [target.id],
    )
    const row = (await app.rows()).get(target.id)!
    app.stack.resetStats()
    const result = await pullFromSupabase(app.payload, { ids: [target.id] })
    expect(result.pulled.map((p) => p.id)).toEqual([target.id])
    // Saved: the save's delivery writes Payload's created_at back over Supabase's.
    expect(result.refused).toEqual([{ id: target.id, fields: ['created_at'], deliveredBack: true }])
    const doc = await app.payload.findByID({ collection: 'dealers', id: target.id, depth: 0 })
    const mapped = dealerMapper.toRow(doc as never)!
    expect(mapped.name).toBe(row.name)
    expect(mapped.rooftop_id).toBe(row.rooftop_id)
    expect(mapped.api_config.platforms).toEqual(
      (row.api_config as { platforms: string[] }).platforms,
    )
    // The pulled document is delivered back through the normal path: its row gets Payload's
    // created_at again (a column Payload owns) and the document's new updatedAt.
    await eventually(async () => {
      const back = (await app.rows()).get(target.id)!
      expect(Date.parse(String(back.created_at))).toBe(Date.parse(String(doc.createdAt)))
      expect(Date.parse(String(back.updated_at))).toBe(Date.parse(String(doc.updatedAt)))
    })
    const after = await validateSync(app.payload, { ids: [target.id] })
    expect(after.inSync).toBe(true)
    expect((await events('pull'))[0]).toMatchObject({ outcome: 'refused' })
  })

  it('reset --yes leaves Supabase equal to Payload (and refuses without it)', async () => {
    const refused = await cli('reset')
    expect(refused.code).toBe(2)
    await expect(resetTable(app.payload, { confirm: false })).rejects.toThrow(/confirm/)
    const viaCli = await cli('reset', '--yes', '--json')
    expect(viaCli.code).toBe(0)
    const diff = diffRows(await payloadRows(), await app.rows())
    expect(diff).toMatchObject({ missing: [], extra: [], changed: [] })
    expect((await validateSync(app.payload)).inSync).toBe(true)
    expect((await events('reset'))[0]).toMatchObject({ source: 'bin', outcome: 'ok' })
  })
})

describe('status', () => {
  it('shows counts, jobs and reachability', async () => {
    const status = await syncStatus(app.payload)
    expect(status.supabase.reachable).toBe(true)
    expect(status.collections[0]).toMatchObject({
      collection: 'dealers',
      table: 'dealers',
      documents: ids.length,
      rows: ids.length,
    })
    expect(status.jobs).toMatchObject({ failed: 0 })
    await app.stack.faults.down()
    try {
      const down = await syncStatus(app.payload)
      expect(down.supabase.reachable).toBe(false)
    } finally {
      await app.stack.faults.up()
    }
    const viaCli = await cli('status', '--json')
    expect(JSON.parse(viaCli.stdout).collections[0].documents).toBe(ids.length)
  })
})

describe('endpoints', () => {
  it('refuse anonymous users (401) and users the access option rejects (403), and change nothing', async () => {
    await app.supabase.query(`update public.dealers set name = 'drift kept' where id = $1`, [
      ids[1],
    ])
    const before = await events('sync')
    for (const [user, status] of [
      [null, 401],
      [{ id: 2, email: 'editor@example.com', collection: 'users', role: 'editor' }, 403],
    ] as const) {
      expect((await endpoint('post', '/supabase-sync/sync', user, {})).status).toBe(status)
      expect(
        (await endpoint('post', '/supabase-sync/reset', user, { confirm: true, force: true }))
          .status,
      ).toBe(status)
      expect((await endpoint('get', '/supabase-sync/status', user)).status).toBe(status)
    }
    expect((await app.rows()).get(ids[1])?.name).toBe('drift kept')
    // The editor has no right at all, not even read: its refusals are logged, not Sync events (a
    // user who may not read the trail must not be able to fill it); nothing else is recorded either.
    const after = await events('sync')
    expect(after.length).toBe(before.length)
    expect(
      app.logs.find((l) => l.outcome === 'refused' && /editor@/.test(String(l.user))),
    ).toHaveLength(1)
    const ops = { id: 1, email: 'ops@example.com', collection: 'users', role: 'ops' }
    const unconfirmed = await endpoint('post', '/supabase-sync/reset', ops, { force: true })
    expect(unconfirmed.status).toBe(400)
    expect((unconfirmed.body.errors as { data: { parameter: string } }[])[0].data.parameter).toBe(
      'confirm',
    )
    const synced = await endpoint('post', '/supabase-sync/sync', ops, { ids: [ids[1]] })
    expect(synced.status).toBe(200)
    expect(synced.body).toMatchObject({ upserted: 1 })
    expect((await app.rows()).get(ids[1])?.name).not.toBe('drift kept')
  })
})
