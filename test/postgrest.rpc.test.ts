/**
 * POST/GET /rest/v1/rpc/<fn>: named arguments, every return shape, overload resolution and the
 * errors, after PostgREST's test/spec/Feature/Query/RpcSpec.hs.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStack } from '../dev/stack.js'
import { dealer, rest, sql, startStandin, supabaseClient, uuid } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

beforeAll(async () => {
  stack = await startStandin()
  supabase = supabaseClient(stack)
  await sql(
    stack,
    `create table items (id bigserial primary key);
     insert into items select generate_series(1, 15);
     create table call_log (n serial primary key, at timestamptz default now());
     create sequence callcounter_count;

     create function add_them(a int, b int) returns int language sql immutable as $$ select a + b $$;
     create function sayhello(name text) returns text language sql immutable as $$ select 'Hello, ' || name $$;
     create function ret_void() returns void language plpgsql as $$ begin end $$;
     create function ret_null() returns int language sql as $$ select null::int $$;
     create function ret_setof_int() returns setof int language sql as $$ select generate_series(1, 3) $$;
     create function ret_composite() returns items language sql as $$ select * from items where id = 7 $$;
     create function ret_table(n int) returns table(k int, v text) language sql as $$ select g, 'v' || g from generate_series(1, n) g $$;
     create function ret_out(x int, out doubled int, out label text) language sql as $$ select x * 2, 'x' || x $$;
     create function ret_jsonb(payload jsonb) returns jsonb language sql as $$ select jsonb_build_object('got', payload) $$;
     create function ret_timestamptz() returns timestamptz language sql as $$ select '2024-05-01 10:34:56.789+00'::timestamptz $$;
     create function ret_bigint_array() returns bigint[] language sql as $$ select array[1, 9007199254740993]::bigint[] $$;
     create function with_default(a int, b int default 10) returns int language sql as $$ select a + b $$;
     create function single_json(jsonb) returns jsonb language sql as $$ select $1 $$;
     create function getitemrange(min bigint, max bigint) returns setof items language sql stable as
       $$ select * from items where id > min and id <= max $$;
     create function logged_items() returns setof items language plpgsql as
       $$ begin insert into call_log default values; return query select * from items; end $$;
     create function callcounter() returns bigint language sql as $$ select nextval('callcounter_count') $$;
     create function overloaded() returns setof int language sql as $$ select generate_series(1, 3) $$;
     create function overloaded(a int, b int) returns int language sql as $$ select a + b $$;
     create function overloaded(a text, b text, c text) returns text language sql as $$ select a || b || c $$;
     create function problem() returns void language plpgsql as $$ begin raise 'bad thing'; end $$;
     create function assert_fails() returns void language plpgsql as $$ begin assert false, 'nope'; end $$;
     create function raise_pt402() returns void language plpgsql as $$ begin
       raise sqlstate 'PT402' using message = 'Payment Required', detail = 'Quota exceeded', hint = 'Upgrade your plan';
     end $$;
     create function sync_upsert(p_rows jsonb) returns table(id uuid, inserted boolean) language sql as $$
       insert into dealers (id, name, slug, created_at)
       select r.id, r.name, r.slug, r.created_at from jsonb_to_recordset(p_rows) as r(id uuid, name text, slug text, created_at timestamptz)
       on conflict on constraint dealers_pkey do update set name = excluded.name, slug = excluded.slug
       returning dealers.id, xmax = 0
     $$;`,
  )
})

afterAll(async () => {
  await stack?.stop()
})

describe('return shapes', () => {
  it('a scalar is its JSON value', async () => {
    const { data, error, status } = await supabase.rpc('add_them', { a: 1, b: 2 })
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toBe(3)
    expect((await supabase.rpc('sayhello', { name: 'World' })).data).toBe('Hello, World')
    const ts = await rest(stack, 'rpc/ret_timestamptz', { method: 'POST', body: {} })
    expect(ts.text).toBe('"2024-05-01T10:34:56.789+00:00"')
    const big = await rest(stack, 'rpc/ret_bigint_array', { method: 'POST', body: {} })
    expect(big.text).toBe('[1,9007199254740993]')
  })

  it('void: 204, no Content-Type, no Content-Length; supabase-js data null', async () => {
    const res = await rest(stack, 'rpc/ret_void', { method: 'POST', body: {} })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')
    expect(res.headers.get('content-type')).toBeNull()
    expect(res.headers.get('content-length')).toBeNull()
    const { data, error, status } = await supabase.rpc('ret_void')
    expect(error).toBeNull()
    expect(status).toBe(204)
    expect(data).toBeNull()
  })

  it('a NULL scalar is null', async () => {
    const res = await rest(stack, 'rpc/ret_null', { method: 'POST', body: {} })
    expect(res.status).toBe(200)
    expect(res.text).toBe('null')
  })

  it('setof scalar is an array of values', async () => {
    expect((await supabase.rpc('ret_setof_int')).data).toEqual([1, 2, 3])
  })

  it('a composite is one object; setof / table(...) are arrays of objects; OUT parameters are one object', async () => {
    expect((await supabase.rpc('ret_composite')).data).toEqual({ id: 7 })
    expect((await supabase.rpc('ret_table', { n: 2 })).data).toEqual([
      { k: 1, v: 'v1' },
      { k: 2, v: 'v2' },
    ])
    expect((await supabase.rpc('ret_out', { x: 4 })).data).toEqual({ doubled: 8, label: 'x4' })
    expect((await supabase.rpc('getitemrange', { min: 13, max: 15 })).data).toEqual([
      { id: 14 },
      { id: 15 },
    ])
  })

  it('jsonb arguments and results go through untouched', async () => {
    const payload = { a: [1, 'two', { three: null }], b: true }
    const { data, error } = await supabase.rpc('ret_jsonb', { payload })
    expect(error).toBeNull()
    expect(data).toEqual({ got: payload })
  })

  it('a single unnamed json/jsonb parameter takes the whole body', async () => {
    const { data } = await supabase.rpc('single_json', { any: 'thing', n: 1 })
    expect(data).toEqual({ any: 'thing', n: 1 })
  })

  it('parameters with a default may be left out', async () => {
    expect((await supabase.rpc('with_default', { a: 1 })).data).toBe(11)
    expect((await supabase.rpc('with_default', { a: 1, b: 2 })).data).toBe(3)
  })

  it('overloads are told apart by their parameter names', async () => {
    expect((await supabase.rpc('overloaded')).data).toEqual([1, 2, 3])
    expect((await supabase.rpc('overloaded', { a: 1, b: 2 })).data).toBe(3)
    expect((await supabase.rpc('overloaded', { a: 'x', b: 'y', c: 'z' })).data).toBe('xyz')
  })

  it('a sync_upsert(p_rows jsonb) returning table(...) writes and reports per row', async () => {
    const rows = [dealer(1), dealer(2)].map(({ id, name, slug, created_at }) => ({
      id,
      name,
      slug,
      created_at,
    }))
    const first = await supabase.rpc('sync_upsert', { p_rows: rows })
    expect(first.error).toBeNull()
    expect(first.data).toEqual([
      { id: uuid(1), inserted: true },
      { id: uuid(2), inserted: true },
    ])
    const second = await supabase.rpc('sync_upsert', { p_rows: [{ ...rows[0], name: 'Renamed' }] })
    expect(second.data).toEqual([{ id: uuid(1), inserted: false }])
    expect(await sql(stack, `select name from dealers where id = $1`, [uuid(1)])).toEqual([
      { name: 'Renamed' },
    ])
  })
})

describe('reading the result', () => {
  it('GET with arguments in the query string, plus filters, order and limit on the rows', async () => {
    const res = await rest(stack, 'rpc/getitemrange?min=0&max=15&id=gt.10&order=id.desc&limit=2')
    expect(res.status).toBe(200)
    expect(res.json).toEqual([{ id: 15 }, { id: 14 }])
    expect(res.headers.get('content-range')).toBe('0-1/*')
    const { data } = await supabase
      .rpc('getitemrange', { min: 0, max: 15 }, { get: true })
      .gt('id', 12)
      .order('id')
    expect(data).toEqual([{ id: 13 }, { id: 14 }, { id: 15 }])
  })

  it('select on a set-returning function', async () => {
    const res = await rest(stack, 'rpc/ret_table?select=v', { method: 'POST', body: { n: 2 } })
    expect(res.json).toEqual([{ v: 'v1' }, { v: 'v2' }])
  })

  it('count=exact: ranges as for tables (RangeSpec on getitemrange), the function runs once', async () => {
    const empty = await rest(stack, 'rpc/getitemrange?min=2&max=2')
    expect(empty.json).toEqual([])
    expect(empty.headers.get('content-range')).toBe('*/*')
    const past = await rest(stack, 'rpc/getitemrange?offset=100&min=0&max=15', {
      headers: { Prefer: 'count=exact' },
    })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe('*/15')
    expect(past.json).toMatchObject({
      code: 'PGRST103',
      details: 'An offset of 100 was requested, but there are only 15 rows.',
    })
    const partial = await rest(stack, 'rpc/getitemrange?min=0&max=15', {
      headers: { Range: '0-1' },
    })
    expect(partial.status).toBe(200)
    expect(partial.headers.get('content-range')).toBe('0-1/*')
    expect(partial.headers.get('content-length')).toBe('22')

    await sql(stack, 'truncate call_log')
    const counted = await rest(stack, 'rpc/logged_items?limit=5', {
      method: 'POST',
      body: {},
      headers: { Prefer: 'count=exact' },
    })
    expect(counted.status).toBe(206)
    expect(counted.headers.get('content-range')).toBe('0-4/15')
    expect(await sql(stack, 'select count(*)::int as n from call_log')).toEqual([{ n: 1 }])
  })

  it("supabase-js rpc with count: 'exact'", async () => {
    const { data, count } = await supabase
      .rpc('getitemrange', { min: 0, max: 15 }, { count: 'exact' })
      .range(0, 2)
    expect(count).toBe(15)
    expect(data).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
  })
})

describe('transactions', () => {
  it('POST may write (volatile function); GET runs read-only: 25006 → 405', async () => {
    expect((await supabase.rpc('callcounter')).data).toBe(1)
    expect((await supabase.rpc('callcounter')).data).toBe(2)
    const res = await rest(stack, 'rpc/callcounter')
    expect(res.status).toBe(405)
    expect(res.json).toMatchObject({
      code: '25006',
      message: 'cannot execute nextval() in a read-only transaction',
    })
  })
})

describe('errors', () => {
  it('unknown function: 404 PGRST202 with a hint (RpcSpec)', async () => {
    const res = await rest(stack, 'rpc/sayhell')
    expect(res.status).toBe(404)
    expect(res.json).toEqual({
      code: 'PGRST202',
      details:
        'Searched for the function public.sayhell without parameters, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.sayhello',
      message: 'Could not find the function public.sayhell without parameters in the schema cache',
    })
    const post = await supabase.rpc('no_such_function', { a: 1 })
    expect(post.status).toBe(404)
    expect(post.error).toEqual({
      code: 'PGRST202',
      details:
        'Searched for the function public.no_such_function with parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: null,
      message: 'Could not find the function public.no_such_function(a) in the schema cache',
    })
  })

  it('unknown arguments: 404 PGRST202 hinting the parameters', async () => {
    const res = await rest(stack, 'rpc/add_them?a=1&b=2&smthelse=blabla')
    expect(res.status).toBe(404)
    expect(res.json).toEqual({
      code: 'PGRST202',
      details:
        'Searched for the function public.add_them with parameters a, b, smthelse, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.add_them(a, b)',
      message: 'Could not find the function public.add_them(a, b, smthelse) in the schema cache',
    })
    const missing = await supabase.rpc('add_them', { a: 1 })
    expect(missing.status).toBe(404)
    expect(missing.error?.code).toBe('PGRST202')
  })

  it('a function created after start is found (the cache reloads on a miss)', async () => {
    await sql(
      stack,
      `create function late_comer() returns text language sql as $$ select 'here' $$`,
    )
    expect((await supabase.rpc('late_comer')).data).toBe('here')
  })

  it('raise exception: P0001 → 400; assert: P0004 → 500; PT402 → 402', async () => {
    const problem = await supabase.rpc('problem')
    expect(problem.status).toBe(400)
    expect(problem.error).toEqual({
      code: 'P0001',
      details: null,
      hint: null,
      message: 'bad thing',
    })
    const assertion = await supabase.rpc('assert_fails')
    expect(assertion.status).toBe(500)
    expect(assertion.error?.code).toBe('P0004')
    const res = await rest(stack, 'rpc/raise_pt402', { method: 'POST', body: {} })
    expect(res.status).toBe(402)
    expect(res.text).toBe(
      '{"code":"PT402","details":"Quota exceeded","hint":"Upgrade your plan","message":"Payment Required"}',
    )
    expect(res.headers.get('content-length')).toBe('99')
  })

  it('an argument of the wrong type: 22P02, 400', async () => {
    const { status, error } = await supabase.rpc('add_them', { a: 'one', b: 2 })
    expect(status).toBe(400)
    expect(error?.code).toBe('22P02')
  })

  it('invalid JSON: 400 PGRST102; DELETE on rpc: 405 PGRST101', async () => {
    const bad = await rest(stack, 'rpc/add_them', { method: 'POST', rawBody: '{"a":' })
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({
      code: 'PGRST102',
      details: null,
      hint: null,
      message: 'Empty or invalid json',
    })
    const del = await rest(stack, 'rpc/sayhello', { method: 'DELETE' })
    expect(del.status).toBe(405)
    expect(del.json).toMatchObject({
      code: 'PGRST101',
      message: 'Cannot use the DELETE method on RPC',
    })
  })
})
