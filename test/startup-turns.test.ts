/**
 * A rolling deploy starts instances one after another, and each would reconcile every document at
 * startup, in turn. An instance skips its startup reconcile when a full reconcile that started after
 * it booted has run to its end (another instance's): that one read everything committed before. When
 * the last full reconcile started before it, it runs its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { Payload } from 'payload'
import { syncDocuments, whenIdle } from '../src/index.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { operationsNamespace } from '../src/ops/exclusive.js'
import {
  dealerData,
  eventually,
  silencePools,
  startPayload,
  type LogCapture,
} from './support/app.js'

let stack: LocalStack
let a: Payload
const others: Payload[] = []

beforeAll(async () => {
  stack = await startLocalStack()
  ;({ payload: a } = await startPayload(stack, { sync: { syncOnInit: false } }))
  for (let i = 0; i < 5; i++) await a.create({ collection: 'dealers', data: dealerData() })
  await whenIdle(a)
}, 120_000)
afterAll(async () => {
  for (const p of [a, ...others]) await p?.destroy().catch(() => {})
  silencePools()
  await stack?.stop()
})

const startupLines = (logs: LogCapture) =>
  logs.find(
    (l) => l.op === 'reconcile' && (l.outcome === 'skipped' || /reconcile done/.test(l.msg)),
  )

describe('startup reconciles across instances', () => {
  it('an instance that waited while another reconciled, which started after it booted, skips its own', async () => {
    // The operation lock of a running reconcile, held from outside.
    const holder = new pg.Client({ connectionString: stack.databaseUri })
    await holder.connect()
    await holder.query('begin')
    await holder.query('select pg_advisory_xact_lock($1, hashtext($2))', [
      operationsNamespace,
      'sync:dealers',
    ])
    const b = await startPayload(stack, {
      sync: { syncOnInit: true, queue: { backoff: 3_000 } },
    })
    others.push(b.payload)
    await eventually(async () =>
      expect(b.logs.find((l) => /another reconcile runs/.test(l.msg)).length).toBe(1),
    )
    await holder.query('rollback')
    await holder.end()
    // Instance A's full sync, started after B booted, runs to its end while B waits out its backoff.
    await syncDocuments(a)
    await whenIdle(b.payload)
    expect(startupLines(b.logs).map((l) => l.outcome ?? 'done')).toEqual(['skipped'])
  }, 60_000)

  it('an instance started after the last full reconcile runs its own (and repairs drift)', async () => {
    const supabase = new pg.Client({ connectionString: stack.supabaseDbUri })
    await supabase.connect()
    try {
      const { rows } = await supabase.query<{ id: string }>(
        'delete from public.dealers where id in (select id from public.dealers limit 1) returning id::text',
      )
      const c = await startPayload(stack, { sync: { syncOnInit: true } })
      others.push(c.payload)
      await whenIdle(c.payload)
      const done = startupLines(c.logs)
      expect(done).toHaveLength(1)
      expect(done[0].outcome).not.toBe('skipped')
      const back = await supabase.query('select 1 from public.dealers where id = $1', [rows[0].id])
      expect(back.rowCount).toBe(1)
    } finally {
      await supabase.end()
    }
  }, 60_000)
})
