/**
 * Edits made in Supabase directly (the table editor, a script's `update public.dealers …`), with the
 * realtime watch off: the next delivery of the document replaces them (Payload wins), and the conflict
 * is recorded — with the columns it replaced — but only where the row really held something the
 * plugin did not deliver. Before: a direct edit left the version column as it was, the guard let the
 * delivery through, and the edit vanished without a record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pullFromSupabase, syncDocuments } from '../src/index.js'
import { dealerData, eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

interface ConflictEvent {
  ids: string[]
  fields: Record<string, string[]>
  details?: { conflicts?: Array<{ id: string; fields: Array<Record<string, unknown>> }> }
}

async function conflictsOf(id: string): Promise<ConflictEvent[]> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'conflict' } },
    depth: 0,
    limit: 0,
    pagination: false,
  })
  return (docs as unknown as ConflictEvent[]).filter((e) => e.ids.includes(id))
}

async function newDealer(): Promise<{ id: string; name: string }> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
  await settled(app)
  return { id: String(doc.id), name: String(doc.name) }
}

/** The version sql/002's trigger gives a row written around the plugin. */
const marked = '9223372036854775807'
/** As text: a JSON number loses the last digits of a bigint this large. */
const versionOf = async (id: string) =>
  String(
    (
      await app.supabase.query<{ v: string }>(
        'select sync_version::text as v from public.dealers where id = $1',
        [id],
      )
    ).rows[0]?.v,
  )

const rename = (id: string, name: string) =>
  app.payload.update({ collection: 'dealers', id, data: { name } })

describe('a direct edit that a delivery replaces', () => {
  it('is recorded as a conflict naming the dealer and the replaced column, and the row is Payload’s again', async () => {
    const dealer = await newDealer()
    await app.supabase.query(`update public.dealers set domain = 'edited.example' where id = $1`, [
      dealer.id,
    ])
    await rename(dealer.id, 'renamed in Payload')
    await settled(app)
    expect((await app.rows()).get(dealer.id)).toMatchObject({
      name: 'renamed in Payload',
      domain: expect.not.stringMatching(/^edited/) as unknown,
    })
    const [event] = await eventually(async () => {
      const events = await conflictsOf(dealer.id)
      expect(events).toHaveLength(1)
      return events
    })
    expect(event.fields[dealer.id]).toEqual(expect.arrayContaining(['domain']))
    expect(event.details?.conflicts?.find((c) => c.id === dealer.id)?.fields).toContainEqual(
      expect.objectContaining({ field: 'domain', supabase: 'edited.example' }),
    )
  })

  it('a row inserted directly, of no document, is deleted by a sync and recorded', async () => {
    const id = '00000000-0000-4000-8000-00000000d1ec'
    await app.supabase.query(
      `insert into public.dealers (id, name, slug, created_at) values ($1, 'inserted directly', 'inserted-directly', now())`,
      [id],
    )
    await syncDocuments(app.payload, { collection: 'dealers' })
    await settled(app)
    expect((await app.rows()).has(id)).toBe(false)
    expect(await conflictsOf(id)).toHaveLength(1)
  })
})

describe('no conflict where nothing of an edit is lost', () => {
  it('a pull took the direct edit into Payload: the next save records none', async () => {
    const dealer = await newDealer()
    await app.supabase.query(`update public.dealers set name = 'pulled name' where id = $1`, [
      dealer.id,
    ])
    await pullFromSupabase(app.payload, { collection: 'dealers', ids: [dealer.id] })
    await settled(app)
    // Taken whole, the pull's save is recorded as delivered without a write: the mark stays.
    expect(await versionOf(dealer.id)).toBe(marked)
    await app.payload.update({
      collection: 'dealers',
      id: dealer.id,
      data: { domain: 'after-the-pull.example' },
    })
    await settled(app)
    expect((await app.rows()).get(dealer.id)).toMatchObject({
      name: 'pulled name',
      domain: 'after-the-pull.example',
    })
    expect(await conflictsOf(dealer.id)).toEqual([])
  })

  it('without the watch pulling edits, a pull’s write-back over an edit made after it read the row: Payload wins, recorded', async () => {
    const dealer = await newDealer()
    const domain = (await app.rows()).get(dealer.id)?.domain
    await app.supabase.query(
      `update public.dealers set name = 'edit one', created_at = '2001-01-01T00:00:00Z' where id = $1`,
      [dealer.id],
    )
    // The pull's read of the row is answered only once the later edit is made.
    const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', afterHandling: true })
    const pulling = pullFromSupabase(app.payload, { collection: 'dealers', ids: [dealer.id] })
    await hold.arrived
    await app.supabase.query(
      `update public.dealers set domain = 'edit-two.example' where id = $1`,
      [dealer.id],
    )
    hold.release()
    await pulling
    await settled(app)
    // No watch will pull the later edit (src/queue/left-for-pull.ts leaves rows only for one): the
    // write-back of created_at replaces the row as before, and says what it replaced.
    expect((await app.rows()).get(dealer.id)).toMatchObject({ name: 'edit one', domain })
    const [conflict] = await conflictsOf(dealer.id)
    expect(conflict?.fields[dealer.id]).toEqual(expect.arrayContaining(['created_at', 'domain']))
  })

  it('a direct change of a column that is bookkeeping (updated_at) only: none', async () => {
    const dealer = await newDealer()
    await app.supabase.query(
      `update public.dealers set updated_at = now() - interval '1 day' where id = $1`,
      [dealer.id],
    )
    expect(await versionOf(dealer.id)).toBe(marked)
    await rename(dealer.id, 'renamed after a migration')
    await settled(app)
    expect((await app.rows()).get(dealer.id)?.name).toBe('renamed after a migration')
    expect(await conflictsOf(dealer.id)).toEqual([])
  })

  it('a direct change of a column the mapper does not write: none', async () => {
    const dealer = await newDealer()
    await app.supabase.query('alter table public.dealers add column if not exists note text')
    try {
      await app.supabase.query(
        `update public.dealers set note = 'kept in Supabase' where id = $1`,
        [dealer.id],
      )
      expect(await versionOf(dealer.id)).toBe(marked)
      await rename(dealer.id, 'renamed beside a note')
      await settled(app)
      expect((await app.rows()).get(dealer.id)).toMatchObject({
        name: 'renamed beside a note',
        note: 'kept in Supabase',
      })
      expect(await versionOf(dealer.id)).not.toBe(marked)
      expect(await conflictsOf(dealer.id)).toEqual([])
    } finally {
      await app.supabase.query('alter table public.dealers drop column note')
    }
  })

  it('the plugin’s own deliveries: a bulk of saves records none, and no row carries the mark', async () => {
    const dealers = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.payload.create({ collection: 'dealers', data: dealerData() }),
      ),
    )
    await settled(app)
    await Promise.all(dealers.map((d) => rename(String(d.id), `${String(d.name)} (2)`)))
    await settled(app)
    const rows = await app.rows()
    for (const d of dealers) {
      expect(rows.get(String(d.id))?.name).toBe(`${String(d.name)} (2)`)
      expect(Number(rows.get(String(d.id))?.sync_version)).toBeLessThan(2 ** 62)
      expect(await conflictsOf(String(d.id))).toEqual([])
    }
  })
})
