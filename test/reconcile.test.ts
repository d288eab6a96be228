/**
 * The startup reconcile on 2,500+ dealers: it repairs missing, changed and orphan rows; the guard stops
 * a mass delete; one bad dealer does not block its batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Payload } from 'payload'
import { diffRows, whenIdle } from '../src/index.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import pg from 'pg'
import {
  dealerData,
  reconcileNow,
  silencePools,
  startPayload,
  payloadRows as sharedPayloadRows,
  type LogCapture,
} from './support/app.js'

const COUNT = 2600
let stack: LocalStack
let payload: Payload
let logs: LogCapture
let supabase: pg.Pool

async function supabaseRows() {
  const { rows } = await supabase.query('select to_jsonb(t) as row from public.dealers t')
  return new Map(rows.map((r: { row: Record<string, unknown> }) => [String(r.row.id), r.row]))
}

const payloadRows = () => sharedPayloadRows(payload)

async function restart(sync: Record<string, unknown> = {}) {
  await payload.destroy()
  ;({ payload, logs } = await startPayload(stack, { sync: { syncOnInit: true, ...sync } }))
  await whenIdle(payload)
}

beforeAll(async () => {
  stack = await startLocalStack()
  supabase = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 4 })
  supabase.on('error', () => {})
  ;({ payload, logs } = await startPayload(stack, { sync: { syncOnInit: false } }))
  // Seed without the hooks: Supabase starts empty, as for a project adopting the plugin.
  for (let i = 0; i < COUNT; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, COUNT - i) }, (_, k) =>
        payload.create({
          collection: 'dealers',
          data: dealerData({ slug: `seed-${i + k}` }),
          context: { skipSupabaseSync: true },
        }),
      ),
    )
  }
}, 300_000)

afterAll(async () => {
  await payload?.destroy().catch(() => {})
  await supabase?.end()
  silencePools()
  await stack?.stop()
})

describe('startup reconcile', () => {
  it('fills an empty table with every dealer (no 1,000 cap), in batches', async () => {
    stack.resetStats()
    await restart()
    const [want, have] = await Promise.all([payloadRows(), supabaseRows()])
    expect(want.size).toBe(COUNT)
    const diff = diffRows(want, have)
    expect(diff).toMatchObject({ missing: [], extra: [], changed: [], unchanged: COUNT })
    const summary = logs.find((l) => l.op === 'reconcile' && l.msg === 'dealers: reconcile done')[0]
    expect(summary).toMatchObject({ scanned: COUNT, upserted: COUNT, deleted: 0, failed: 0 })
    // 2,600 rows in batches of 500: 6 writes, not 2,600.
    const writes = stack.stats().byTable['rpc/supabase_sync_apply']?.POST ?? 0
    expect(writes).toBe(6)
  })

  it('repairs missing, changed and orphan rows at the next startup', async () => {
    const ids = [...(await payloadRows()).keys()].sort()
    const missing = ids.slice(0, 100)
    const changed = ids.slice(100, 200)
    await supabase.query('delete from public.dealers where id = any($1::uuid[])', [missing])
    await supabase.query(
      `update public.dealers set name = name || ' (edited in Supabase)', api_config = jsonb_set(api_config, '{platforms}', '["custom"]') where id = any($1::uuid[])`,
      [changed],
    )
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at) select gen_random_uuid(), 'orphan', 'orphan-' || g, now() from generate_series(1, 50) g`,
    )
    await restart()
    const summary = logs.find((l) => l.msg === 'dealers: reconcile done')[0]
    expect(summary).toMatchObject({
      missing: 100,
      changed: 100,
      extra: 50,
      upserted: 200,
      deleted: 50,
      unchanged: COUNT - 200,
    })
    const diff = diffRows(await payloadRows(), await supabaseRows())
    expect(diff).toMatchObject({ missing: [], extra: [], changed: [] })
  })

  it('an in-sync table gets no write', async () => {
    stack.resetStats()
    await restart()
    const stats = stack.stats()
    expect(stats.byTable['rpc/supabase_sync_apply']).toBeUndefined()
    expect(stats.byMethod.DELETE ?? 0).toBe(0)
  })

  it('the mass-delete guard refuses to delete more than half of the table, and force overrides it', async () => {
    await supabase.query(
      `insert into public.dealers (id, name, slug, created_at) select gen_random_uuid(), 'orphan', 'mass-orphan-' || g, now() from generate_series(1, ${COUNT + 10}) g`,
    )
    await restart()
    const refused = logs.find(
      (l) => typeof l.msg === 'string' && l.msg.includes('refusing to delete'),
    )
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatchObject({ wouldDelete: COUNT + 10, tableRows: 2 * COUNT + 10 })
    expect((await supabaseRows()).size).toBe(2 * COUNT + 10)

    const summary = await reconcileNow(payload, 'dealers', { force: true })
    expect(summary.deleted).toBe(COUNT + 10)
    expect((await supabaseRows()).size).toBe(COUNT)
  })

  it('one bad dealer does not block its batch: the others are written, the bad one is named', async () => {
    await supabase.query(
      `alter table public.dealers add constraint no_bad_names check (name not like 'BAD%')`,
    )
    try {
      await reconcileNow(payload, 'dealers', { force: true })
      const ids = [...(await payloadRows()).keys()].sort()
      const bad = ids[7]
      await payload.update({
        collection: 'dealers',
        id: bad,
        data: { name: 'BAD dealer' },
        context: { skipSupabaseSync: true },
      })
      for (const id of ids.slice(0, 20))
        await supabase.query('delete from public.dealers where id = $1', [id])
      const summary = await reconcileNow(payload)
      expect(summary.diff.changed).toEqual([])
      expect(summary.upserted).toBe(19)
      expect(summary.failed).toHaveLength(1)
      expect(summary.failed[0].id).toBe(bad)
      expect(summary.failed[0].message).toContain(bad)
      expect(summary.failed[0].code).toBe('23514')
      const rows = await supabaseRows()
      for (const id of ids.slice(0, 20)) expect(rows.has(id)).toBe(id !== bad)
      const logged = logs.find((l) => l.id === bad && l.outcome === 'failed')
      expect(logged.length).toBeGreaterThan(0)
      await payload.update({
        collection: 'dealers',
        id: bad,
        data: { name: 'Good again' },
        context: { skipSupabaseSync: true },
      })
    } finally {
      await supabase.query('alter table public.dealers drop constraint no_bad_names')
    }
  })
})
