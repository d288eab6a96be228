/**
 * `db-max-rows` (PostgREST's configDbMaxRows; hosted Supabase sets 1000): every read plan's range is
 * cut to max-rows rows from its offset (Plan.treeRestrictRange → RangeQuery.restrictRange), for
 * tables and for function results alike, while statuses and Content-Range follow from the rows that
 * came back (RangeQuery.rangeStatusHeader on the requested range). Mutations are never cut
 * (treeRestrictRange skips ActRelationMut), and a function returning one value is one row.
 * Cases ported from test/spec/Feature/Query/QueryLimitedSpec.hs (max-rows = 2 there, 5 here).
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signKey } from '../dev/postgrest/auth.js'
import { startPostgrestServer, type PostgrestServer } from '../dev/postgrest/server.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { rest, sql, startStandin, supabaseClient } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

const ids = (from: number, to: number): { id: number }[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i }))

beforeAll(async () => {
  stack = await startStandin({ maxRows: 5 })
  supabase = supabaseClient(stack)
  await sql(
    stack,
    `create table items (id bigserial primary key);
     insert into items select generate_series(1, 15);
     create table many (id int primary key);
     insert into many select generate_series(1, 1500);
     create table projects (id int primary key, name text);
     create table written (n int primary key);

     create function getitemrange(min bigint, max bigint) returns setof items language sql stable as
       $$ select * from items where id > min and id <= max $$;
     create function series(n int) returns setof int language sql as $$ select generate_series(1, n) $$;
     create function json_rows(n int) returns setof jsonb language sql as
       $$ select jsonb_build_object('i', g) from generate_series(1, n) g $$;
     create function json_list(n int) returns jsonb language sql as
       $$ select coalesce(jsonb_agg(g), '[]') from generate_series(1, n) g $$;
     create function count_to(n int) returns int language sql as $$ select n $$;
     create function one_item() returns items language sql as $$ select * from items where id = 7 $$;
     create function write_rows(how_many int) returns table(k int, is_new boolean) language sql as $$
       insert into written select generate_series(1, how_many) on conflict do nothing returning written.n, true
     $$;`,
  )
})

afterAll(async () => {
  await stack?.stop()
})

describe('maxRows: 5 on reads (QueryLimitedSpec)', () => {
  it('the stack and the server report the cap', () => {
    expect(stack.maxRows).toBe(5)
  })

  it('restricts results: 200, Content-Range 0-4/*', async () => {
    const res = await rest(stack, 'items?order=id')
    expect(res.status).toBe(200)
    expect(res.json).toEqual(ids(1, 5))
    expect(res.headers.get('content-range')).toBe('0-4/*')
  })

  it('respects additional client limiting (Range header, limit, offset)', async () => {
    const ranged = await rest(stack, 'items?order=id', { headers: { Range: '0-1' } })
    expect(ranged.json).toEqual(ids(1, 2))
    expect(ranged.headers.get('content-range')).toBe('0-1/*')
    const limited = await rest(stack, 'items?order=id&limit=3&offset=2')
    expect(limited.json).toEqual(ids(3, 5))
    expect(limited.headers.get('content-range')).toBe('2-4/*')
    // A limit above max-rows is cut to max-rows, from the offset asked for.
    const above = await rest(stack, 'items?order=id&limit=10&offset=3')
    expect(above.json).toEqual(ids(4, 8))
    expect(above.headers.get('content-range')).toBe('3-7/*')
    const tail = await rest(stack, 'items?order=id&offset=12')
    expect(tail.json).toEqual(ids(13, 15))
    expect(tail.headers.get('content-range')).toBe('12-14/*')
  })

  it('limit=0 still answers an empty page, */*', async () => {
    const res = await rest(stack, 'items?limit=0')
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
    expect(res.headers.get('content-range')).toBe('*/*')
  })

  it('count=exact counts every row: 206 with a page cut by max-rows, 200 when it is all of it', async () => {
    const cut = await rest(stack, 'items?order=id', { headers: { Prefer: 'count=exact' } })
    expect(cut.status).toBe(206)
    expect(cut.json).toEqual(ids(1, 5))
    expect(cut.headers.get('content-range')).toBe('0-4/15')
    const all = await rest(stack, 'items?order=id&id=lte.5', { headers: { Prefer: 'count=exact' } })
    expect(all.status).toBe(200)
    expect(all.headers.get('content-range')).toBe('0-4/5')
    const ranged = await rest(stack, 'items?order=id', {
      headers: { Prefer: 'count=exact', Range: '10-20' },
    })
    expect(ranged.status).toBe(206)
    expect(ranged.json).toEqual(ids(11, 15))
    expect(ranged.headers.get('content-range')).toBe('10-14/15')
    const past = await rest(stack, 'items?offset=20', { headers: { Prefer: 'count=exact' } })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe('*/15')
  })

  it('HEAD answers the headers of the cut GET', async () => {
    const res = await rest(stack, 'items', { method: 'HEAD', headers: { Prefer: 'count=exact' } })
    expect(res.status).toBe(206)
    expect(res.text).toBe('')
    expect(res.headers.get('content-range')).toBe('0-4/15')
  })

  it("supabase-js select with count: 'exact' gets 5 rows, the total and 206", async () => {
    const { data, count, status, error } = await supabase
      .from('items')
      .select('id', { count: 'exact' })
      .order('id')
    expect(error).toBeNull()
    expect(status).toBe(206)
    expect(count).toBe(15)
    expect(data).toEqual(ids(1, 5))
    // Paging past the cap is the client's job: range() asks for the next page.
    const next = await supabase.from('items').select('id').order('id').range(5, 9)
    expect(next.data).toEqual(ids(6, 10))
  })
})

describe('maxRows: 5 on functions', () => {
  it('a set-returning function is cut like a table (POST and GET), counts included', async () => {
    const post = await rest(stack, 'rpc/getitemrange', {
      method: 'POST',
      body: { min: 0, max: 15 },
    })
    expect(post.status).toBe(200)
    expect(post.json).toEqual(ids(1, 5))
    expect(post.headers.get('content-range')).toBe('0-4/*')
    const get = await rest(stack, 'rpc/getitemrange?min=0&max=15&offset=10', {
      headers: { Prefer: 'count=exact' },
    })
    expect(get.status).toBe(206)
    expect(get.json).toEqual(ids(11, 15))
    expect(get.headers.get('content-range')).toBe('10-14/15')
    expect((await supabase.rpc('series', { n: 12 })).data).toEqual([1, 2, 3, 4, 5])
    expect((await supabase.rpc('json_rows', { n: 12 })).data).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({ i })),
    )
  })

  it('a function that writes 12 rows returns only the first 5, but all 12 are written', async () => {
    const { data, error, status } = await supabase.rpc('write_rows', { how_many: 12 })
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toHaveLength(5)
    expect(await sql(stack, 'select count(*)::int as n from written')).toEqual([{ n: 12 }])
  })

  it('a function returning one value is never cut: jsonb array of 20, a scalar, one composite', async () => {
    const json = await supabase.rpc('json_list', { n: 20 })
    expect(json.error).toBeNull()
    expect(json.data).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const raw = await rest(stack, 'rpc/json_list', { method: 'POST', body: { n: 20 } })
    expect(raw.headers.get('content-range')).toBe('0-0/*')
    expect((await supabase.rpc('count_to', { n: 20 })).data).toBe(20)
    expect((await supabase.rpc('one_item')).data).toEqual({ id: 7 })
  })
})

describe('maxRows: 5 on writes (not cut)', () => {
  beforeEach(async () => {
    await sql(stack, 'truncate projects')
  })

  it('insert and upsert with return=representation return every row', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, name: `P${i + 1}` }))
    const inserted = await supabase.from('projects').insert(rows).select('id,name')
    expect(inserted.status).toBe(201)
    expect(inserted.data).toEqual(rows)
    const upserted = await supabase
      .from('projects')
      .upsert(
        rows.map((r) => ({ ...r, name: `${r.name}!` })),
        { onConflict: 'id' },
      )
      .select('id,name')
    expect(upserted.status).toBe(200)
    expect(upserted.data).toHaveLength(8)
  })

  it('update and delete with return=representation return every row (2 would come back if they were cut)', async () => {
    await sql(stack, `insert into projects select g, 'P' || g from generate_series(1, 8) g`)
    const updated = await rest(stack, 'projects?select=id,name&id=gte.1', {
      method: 'PATCH',
      headers: { Prefer: 'return=representation' },
      body: { name: 'Barista' },
    })
    expect(updated.status).toBe(200)
    expect(updated.json).toHaveLength(8)
    const deleted = await supabase.from('projects').delete().gte('id', 1).select('id')
    expect(deleted.status).toBe(200)
    expect(deleted.data).toHaveLength(8)
  })
})

describe('the default (1000, as on hosted Supabase) and no cap', () => {
  const secret = 'max-rows-test-secret-of-at-least-32-chars'
  let defaults: PostgrestServer
  let unlimited: PostgrestServer
  let infinite: PostgrestServer
  let key: string
  /** The stack's database, served by another stand-in server. */
  const via = (server: PostgrestServer): LocalStack => ({
    ...stack,
    supabaseUrl: server.url,
    serviceRoleKey: key,
  })

  beforeAll(async () => {
    key = await signKey(secret, 'service_role')
    ;[defaults, unlimited, infinite] = await Promise.all([
      startPostgrestServer({ databaseUri: stack.supabaseDbUri, jwtSecret: secret }),
      startPostgrestServer({ databaseUri: stack.supabaseDbUri, jwtSecret: secret, maxRows: null }),
      startPostgrestServer({
        databaseUri: stack.supabaseDbUri,
        jwtSecret: secret,
        maxRows: Infinity,
      }),
    ])
  })

  afterAll(async () => {
    await Promise.all([defaults?.close(), unlimited?.close(), infinite?.close()])
  })

  it('default: 1000 rows of 1500, 206 with count=exact; the next page by range', async () => {
    expect(defaults.maxRows).toBe(1000)
    const client = supabaseClient(via(defaults))
    const first = await client.from('many').select('id', { count: 'exact' }).order('id')
    expect(first.status).toBe(206)
    expect(first.count).toBe(1500)
    expect(first.data).toEqual(ids(1, 1000))
    const raw = await rest(via(defaults), 'many?select=id&order=id', {
      headers: { Prefer: 'count=exact' },
    })
    expect(raw.headers.get('content-range')).toBe('0-999/1500')
    const second = await rest(via(defaults), 'many?select=id&order=id&offset=1000&limit=1000', {
      headers: { Prefer: 'count=exact' },
    })
    expect(second.status).toBe(206)
    expect(second.json).toEqual(ids(1001, 1500))
    expect(second.headers.get('content-range')).toBe('1000-1499/1500')
  })

  it('default: a set-returning function gets 1000 rows, a jsonb result of 1500 elements all of them', async () => {
    const client = supabaseClient(via(defaults))
    expect((await client.rpc('series', { n: 1500 })).data).toHaveLength(1000)
    expect((await client.rpc('json_list', { n: 1500 })).data).toHaveLength(1500)
  })

  it('maxRows: null or Infinity: no cap', async () => {
    expect(unlimited.maxRows).toBeNull()
    expect(infinite.maxRows).toBeNull()
    for (const server of [unlimited, infinite]) {
      const res = await rest(via(server), 'many?select=id', { headers: { Prefer: 'count=exact' } })
      expect(res.status).toBe(200)
      expect(res.json).toHaveLength(1500)
      expect(res.headers.get('content-range')).toBe('0-1499/1500')
      expect((await supabaseClient(via(server)).rpc('series', { n: 1500 })).data).toHaveLength(1500)
    }
  })

  it('refuses a maxRows that is not a positive integer, before starting anything', async () => {
    for (const maxRows of [0, -1, 2.5, Number.NaN]) {
      await expect(
        startPostgrestServer({ databaseUri: stack.supabaseDbUri, jwtSecret: secret, maxRows }),
      ).rejects.toThrow(/maxRows must be/)
    }
    await expect(
      startLocalStack({
        maxRows: 0,
        supabaseDbUri: 'postgres://unused@127.0.0.1:1/none',
        databaseUri: 'postgres://unused@127.0.0.1:1/none',
      }),
    ).rejects.toThrow(/maxRows must be/)
  })
})
