/**
 * Changes Realtime sends with errors instead of the row: `Error 413: Payload Too Large` (a change
 * over apply_rls's `max_record_bytes`, 1 MB on Supabase, arrives without its values over 64 bytes —
 * a long text key included) and `Error 400`/`401` (no row data at all). The watch must not take such
 * a row for the table's, nor drop the change: it reads the row again, or checks the table when the
 * key is missing. The codes collection has text keys; the stand-in's threshold is lowered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getRuntime } from '../src/lifecycle/registry.js'
import { eventually, settled, startApp, type TestApp } from './support/app.js'
import { Codes, codeMapper, codesTableSql } from './support/collections.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({
    supabaseSql: `${codesTableSql}\nalter publication supabase_realtime add table public.codes;`,
    collections: [Codes],
    sync: {
      syncOnInit: false,
      realtime: true,
      collections: { codes: { table: 'codes', mapper: codeMapper as never } },
    },
  })
  await eventually(async () =>
    expect(getRuntime(app.payload).watch?.status().codes?.status).toBe('subscribed'),
  )
})
afterAll(async () => {
  await app?.close()
})

async function newCode(id: string): Promise<void> {
  await app.payload.create({ collection: 'codes', data: { id, label: 'from Payload' } as never })
  await settled(app)
  await eventually(async () =>
    expect((await app.rows('codes')).get(id)?.label).toBe('from Payload'),
  )
}

async function catches(id: string): Promise<Array<Record<string, unknown>>> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'external-change' } },
    limit: 100,
    overrideAccess: true,
  })
  return (docs as Array<Record<string, unknown>>).filter((d) =>
    ((d.ids as string[] | undefined) ?? []).includes(id),
  )
}

describe('Error 413: Payload Too Large', () => {
  it('a change without its key (a text key over 64 bytes) is not dropped: the table is checked; with its key, the row is read again; said once', async () => {
    const long = `long-${'k'.repeat(80)}`
    const short = 'short-1'
    await newCode(long)
    await newCode(short)
    // Every change is "too large" now: values over 64 bytes (the long key) are left out.
    app.stack.realtime.setMaxRecordBytes(100)
    try {
      await app.supabase.query(
        `update public.codes set label = 'edited in Supabase' where id = $1`,
        [long],
      )
      await eventually(
        async () => expect((await app.rows('codes')).get(long)?.label).toBe('from Payload'),
        15_000,
      )
      await eventually(async () =>
        expect((await catches(long))[0]).toMatchObject({
          details: { catches: [{ id: long, outcome: 'reverted' }] },
        }),
      )
      await app.supabase.query(`update public.codes set label = 'edited again' where id = $1`, [
        short,
      ])
      await eventually(
        async () => expect((await app.rows('codes')).get(short)?.label).toBe('from Payload'),
        15_000,
      )
      const said = app.logs.find((l) => l.op === 'realtime' && /Error 413/.test(l.msg))
      expect(said).toHaveLength(1)
    } finally {
      app.stack.realtime.setMaxRecordBytes(1024 * 1024)
    }
  })
})
