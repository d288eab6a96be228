/**
 * sql/002's apply function, called in SQL as PostgREST calls it: rows refused one by one for a unique
 * value are written together, after the rows whose value a row outside them holds are left out —
 * however many of those there are, and whatever columns the unique index only INCLUDEs; and a lock
 * waited for answers before the statement's own timeout cancels the call.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalStack, type LocalStack } from '../dev/stack.js'

let stack: LocalStack
let db: pg.Client

beforeAll(async () => {
  stack = await startLocalStack()
  db = new pg.Client({ connectionString: stack.supabaseDbUri })
  await db.connect()
}, 120_000)
afterAll(async () => {
  await db?.end()
  await stack?.stop()
})

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

async function apply(table: string, upserts: object[]) {
  const { rows } = await db.query<{ result: { failed: { id: string; code: string }[] } }>(
    `select public.supabase_sync_apply($1, $2::jsonb, '[]'::jsonb, 'id', null, null, null) as result`,
    [table, JSON.stringify(upserts)],
  )
  return rows[0].result
}

describe.each([
  ['a deferrable unique constraint', 'unique (slug) deferrable initially immediate'],
  [
    'one that INCLUDEs another column',
    'unique (slug) include (name) deferrable initially immediate',
  ],
])('traded values with %s', (_, constraint) => {
  it('two rows trading their slugs are written, while two rows whose slugs rows outside hold are refused', async () => {
    const table = `traders_${constraint.includes('include') ? 'include' : 'plain'}`
    await db.query(
      `create table public.${table} (id uuid primary key, slug text, name text, ${constraint})`,
    )
    await db.query(
      `insert into public.${table} (id, slug, name) values
         ($1, 'a', 'A'), ($2, 'b', 'B'), ($3, 'held-1', 'outside'), ($4, 'held-2', 'outside')`,
      [id(1), id(2), id(3), id(4)],
    )
    const result = await apply(table, [
      { id: id(1), slug: 'b', name: 'A' },
      { id: id(2), slug: 'a', name: 'B' },
      { id: id(5), slug: 'held-1', name: 'C' },
      { id: id(6), slug: 'held-2', name: 'D' },
    ])
    expect(result.failed.map((f) => [f.id, f.code]).sort()).toEqual([
      [id(5), '23505'],
      [id(6), '23505'],
    ])
    const { rows } = await db.query(`select id::text, slug from public.${table} order by id`)
    expect(rows).toEqual([
      { id: id(1), slug: 'b' },
      { id: id(2), slug: 'a' },
      { id: id(3), slug: 'held-1' },
      { id: id(4), slug: 'held-2' },
    ])
  })
})

describe('a row lock held past the statement timeout (Supabase: 8 s for the API roles)', () => {
  it('answers 55P03 (tried again whole) before the timeout, not 57014 (which splits the batch)', async () => {
    await db.query('create table public.locked (id uuid primary key, name text)')
    await db.query(`insert into public.locked values ($1, 'held')`, [id(1)])
    const holder = new pg.Client({ connectionString: stack.supabaseDbUri })
    await holder.connect()
    try {
      await holder.query('begin')
      await holder.query('select 1 from public.locked for update')
      await db.query('begin')
      await db.query(`set local statement_timeout = '2s'`)
      // A deadline far off: only the statement timeout bounds the wait.
      const error = await db
        .query(
          `select public.supabase_sync_apply('locked', $1::jsonb, '[]'::jsonb, 'id', null, null, now() + interval '1 minute')`,
          [JSON.stringify([{ id: id(1), name: 'new' }])],
        )
        .then(
          () => undefined,
          (e: { code?: string }) => e,
        )
      // The lock timeout's answer, not the statement timeout's (57014): it came before 2 s.
      expect(error?.code).toBe('55P03')
    } finally {
      await db.query('rollback')
      await holder.query('rollback')
      await holder.end()
    }
  })
})
