/**
 * Reads through the stand-in: select, filters, order, ranges, counts and HEAD, with statuses and
 * headers checked against PostgREST's own test suite (test/spec/Feature/Query/RangeSpec.hs and
 * QuerySpec.hs, fixtures `items` 1..15 and an empty `menagerie`).
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStack } from '../dev/stack.js'
import { rest, sql, startStandin, supabaseClient } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

const ids = (n: number, from = 1): { id: number }[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i }))

beforeAll(async () => {
  stack = await startStandin()
  supabase = supabaseClient(stack)
  await sql(
    stack,
    `create type mood as enum ('sad', 'happy');
     create table items (id bigserial primary key);
     insert into items select generate_series(1, 15);
     create table menagerie (id int primary key, name text);
     create table people (
       id int primary key,
       name text,
       city text,
       age int,
       active boolean,
       score numeric
     );
     insert into people values
       (1, 'Ann', 'Oslo', 31, true, 1.5),
       (2, 'Bob', null, 25, false, null),
       (3, 'Cid', 'Rome', null, null, 3),
       (4, 'a,b', 'Oslo', 40, true, 10.25),
       (5, 'c.d', 'Paris', 52, false, 0),
       (6, 'e(f)', 'Rome', 19, true, -2);
     create table typed (
       id int primary key,
       big bigint,
       num numeric,
       ts timestamptz,
       d date,
       arr text[],
       ints int[],
       j jsonb,
       js json,
       b boolean,
       m mood,
       r int4range,
       tsv tsvector,
       u uuid
     );
     create table "tåble" ("a.b" int, "x y" text);
     insert into "tåble" values (1, 'one'), (2, 'two');
     insert into typed values (1, 9007199254740993, 1.50, '2024-05-01 10:34:56.789+00', '2024-05-01',
       '{a,"b c"}', '{1,2}', '{"k": [1, {"x": null}]}', '{"k":1}', true, 'happy', '[1,5)', 'a fat cat',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');`,
  )
})

afterAll(async () => {
  await stack?.stop()
})

describe('select', () => {
  it('returns the named columns only', async () => {
    const { data, error, status } = await supabase
      .from('people')
      .select('id,name')
      .order('id')
      .limit(2)
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
    ])
  })

  it('returns every column for * and by default', async () => {
    const star = await rest(stack, 'people?select=*&id=eq.1')
    const none = await rest(stack, 'people?id=eq.1')
    expect(star.json).toEqual([
      { id: 1, name: 'Ann', city: 'Oslo', age: 31, active: true, score: 1.5 },
    ])
    expect(none.json).toEqual(star.json)
  })

  it('renames with alias:column and casts with ::type', async () => {
    const res = await rest(stack, 'people?select=who:name,id::text,age&id=eq.1')
    expect(res.json).toEqual([{ who: 'Ann', id: '1', age: 31 }])
  })

  it('renders every type as PostgreSQL json does (PostgREST builds the body with json_agg)', async () => {
    const res = await rest(stack, 'typed?select=*')
    expect(res.status).toBe(200)
    // Compare text: JSON.parse would round the bigint.
    expect(res.text).toBe(
      '[{"id":1,"big":9007199254740993,"num":1.50,"ts":"2024-05-01T10:34:56.789+00:00","d":"2024-05-01",' +
        '"arr":["a","b c"],"ints":[1,2],"j":{"k": [1, {"x": null}]},"js":{"k":1},"b":true,"m":"happy",' +
        '"r":"[1,5)","tsv":"\'a\' \'cat\' \'fat\'","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}]',
    )
  })

  it('answers an empty array with no rows', async () => {
    const res = await rest(stack, 'menagerie')
    expect(res.status).toBe(200)
    expect(res.text).toBe('[]')
    expect(res.headers.get('content-range')).toBe('*/*')
  })

  it('reports an unknown column as PostgreSQL does (42703, 400)', async () => {
    const { error, status } = await supabase.from('people').select('id,nope')
    expect(status).toBe(400)
    expect(error?.code).toBe('42703')
    expect(error?.message).toBe('column people.nope does not exist')
  })

  it('sends Content-Type, Content-Location and Content-Profile like PostgREST', async () => {
    const res = await rest(stack, 'people?select=id&id=eq.1', {
      headers: { 'Accept-Profile': 'public' },
    })
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('content-location')).toBe('/people?id=eq.1&select=id')
    expect(res.headers.get('content-profile')).toBe('public')
  })

  it('names with unusual characters: a unicode table, quoted column names in filters and select', async () => {
    const res = await rest(
      stack,
      `${encodeURIComponent('tåble')}?select=${encodeURIComponent('"x y"')}&${encodeURIComponent('"a.b"')}=eq.2`,
    )
    expect(res.status).toBe(200)
    expect(res.json).toEqual([{ 'x y': 'two' }])
    expect(res.headers.get('content-location')).toMatch(/^\/t%C3%A5ble\?/)
    const { data } = await supabase
      .from('tåble')
      .select('"a.b"')
      .order('"a.b"', { ascending: false })
    expect(data).toEqual([{ 'a.b': 2 }, { 'a.b': 1 }])
  })

  it('refuses a schema that is not exposed (406 PGRST106)', async () => {
    const res = await rest(stack, 'people', { headers: { 'Accept-Profile': 'private' } })
    expect(res.status).toBe(406)
    expect(res.json).toEqual({
      code: 'PGRST106',
      details: null,
      hint: 'Only the following schemas are exposed: public',
      message: 'Invalid schema: private',
    })
  })
})

describe('filters', () => {
  const names = async (query: string): Promise<string[]> => {
    const res = await rest(stack, `people?select=name&order=id.asc&${query}`)
    expect(res.status, res.text).toBe(200)
    return (res.json as { name: string }[]).map((r) => r.name)
  }

  it('eq, neq, gt, gte, lt, lte', async () => {
    expect(await names('city=eq.Oslo')).toEqual(['Ann', 'a,b'])
    expect(await names('city=neq.Oslo')).toEqual(['Cid', 'c.d', 'e(f)']) // NULL <> x is not true
    expect(await names('age=gt.31')).toEqual(['a,b', 'c.d'])
    expect(await names('age=gte.31')).toEqual(['Ann', 'a,b', 'c.d'])
    expect(await names('age=lt.25')).toEqual(['e(f)'])
    expect(await names('age=lte.25')).toEqual(['Bob', 'e(f)'])
    expect(await names('score=gt.1.4')).toEqual(['Ann', 'Cid', 'a,b'])
  })

  it('in.(...) with quoted values holding , . : ( )', async () => {
    expect(await names('id=in.(1,3)')).toEqual(['Ann', 'Cid'])
    expect(await names('name=in.("a,b","c.d","e(f)")')).toEqual(['a,b', 'c.d', 'e(f)'])
    expect(await names('name=in.(c.d)')).toEqual(['c.d'])
    expect(await names('name=in.("with \\"quote\\"",Ann)')).toEqual(['Ann'])
    expect(await names('id=in.()')).toEqual([])
  })

  it('in through supabase-js, which quotes the reserved characters', async () => {
    const { data, error } = await supabase
      .from('people')
      .select('name')
      .in('name', ['a,b', 'e(f)', 'Bob'])
      .order('id')
    expect(error).toBeNull()
    expect(data).toEqual([{ name: 'Bob' }, { name: 'a,b' }, { name: 'e(f)' }])
  })

  it('is.null, is.not_null, is.true, is.false (case-insensitive)', async () => {
    expect(await names('city=is.null')).toEqual(['Bob'])
    expect(await names('city=is.not_null')).toEqual(['Ann', 'Cid', 'a,b', 'c.d', 'e(f)'])
    expect(await names('active=is.true')).toEqual(['Ann', 'a,b', 'e(f)'])
    expect(await names('active=is.FALSE')).toEqual(['Bob', 'c.d'])
  })

  it('not.<op> negates (NULLs stay out, as in SQL)', async () => {
    expect(await names('city=not.eq.Oslo')).toEqual(['Cid', 'c.d', 'e(f)'])
    expect(await names('id=not.in.(1,2,3)')).toEqual(['a,b', 'c.d', 'e(f)'])
    expect(await names('city=not.is.null')).toEqual(['Ann', 'Cid', 'a,b', 'c.d', 'e(f)'])
  })

  it('like and ilike with * as wildcard', async () => {
    expect(await names('name=like.*b*')).toEqual(['Bob', 'a,b'])
    expect(await names('name=ilike.b*')).toEqual(['Bob'])
  })

  it('several filters are ANDed, also on the same column', async () => {
    expect(await names('city=eq.Oslo&age=gt.35')).toEqual(['a,b'])
    expect(await names('age=gt.20&age=lt.35')).toEqual(['Ann', 'Bob'])
  })

  it('through supabase-js', async () => {
    const { data } = await supabase
      .from('people')
      .select('id')
      .eq('city', 'Rome')
      .neq('id', 3)
      .order('id')
    expect(data).toEqual([{ id: 6 }])
    const nulls = await supabase.from('people').select('id').is('city', null)
    expect(nulls.data).toEqual([{ id: 2 }])
    const notIn = await supabase
      .from('people')
      .select('id')
      .not('id', 'in', '(1,2,3,4)')
      .order('id')
    expect(notIn.data).toEqual([{ id: 5 }, { id: 6 }])
  })

  it('a bad operator is PGRST100 (400)', async () => {
    const res = await rest(stack, 'people?id=noop.1')
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'PGRST100' })
    expect((res.json as { message: string }).message).toMatch(
      /^"failed to parse filter \(noop\.1\)" \(line 1, column \d+\)$/,
    )
  })

  it("a value of the wrong type is PostgreSQL's 22P02 (400)", async () => {
    const res = await rest(stack, 'people?age=eq.old')
    expect(res.status).toBe(400)
    expect(res.json).toEqual({
      code: '22P02',
      details: null,
      hint: null,
      message: 'invalid input syntax for type integer: "old"',
    })
  })
})

describe('order', () => {
  const order = async (query: string): Promise<number[]> => {
    const res = await rest(stack, `people?select=id&${query}`)
    expect(res.status, res.text).toBe(200)
    return (res.json as { id: number }[]).map((r) => r.id)
  }

  it('asc, desc, nullsfirst, nullslast, several columns', async () => {
    expect(await order('order=id.desc')).toEqual([6, 5, 4, 3, 2, 1])
    expect(await order('order=age.asc')).toEqual([6, 2, 1, 4, 5, 3]) // NULLS LAST is the default for asc
    expect(await order('order=age.asc.nullsfirst')).toEqual([3, 6, 2, 1, 4, 5])
    expect(await order('order=age.desc.nullslast')).toEqual([5, 4, 1, 2, 6, 3])
    expect(await order('order=city.asc.nullsfirst,id.desc')).toEqual([2, 4, 1, 5, 6, 3])
    expect(await order('order=city,id.desc')).toEqual([4, 1, 5, 6, 3, 2])
  })

  it('through supabase-js', async () => {
    const { data } = await supabase
      .from('people')
      .select('id')
      .order('city', { ascending: false, nullsFirst: true })
      .order('id')
    expect(data?.map((r) => r.id)).toEqual([2, 3, 6, 5, 1, 4])
  })

  it('a malformed order is PGRST100', async () => {
    const res = await rest(stack, 'people?order=id.asc.smth34')
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'PGRST100' })
    expect((res.json as { message: string }).message).toMatch(
      /^"failed to parse order \(id\.asc\.smth34\)"/,
    )
  })
})

describe('ranges and counts (RangeSpec.hs)', () => {
  it('no parameters return everything, Content-Range 0-14/*', async () => {
    const res = await rest(stack, 'items?select=id&order=id.asc')
    expect(res.status).toBe(200)
    expect(res.json).toEqual(ids(15))
    expect(res.headers.get('content-range')).toBe('0-14/*')
  })

  it('limit, and limit with offset', async () => {
    const limited = await rest(stack, 'items?select=id&order=id.asc&limit=3')
    expect(limited.json).toEqual(ids(3))
    expect(limited.headers.get('content-range')).toBe('0-2/*')
    const offset = await rest(stack, 'items?select=id&order=id.asc&limit=3&offset=2')
    expect(offset.json).toEqual(ids(3, 3))
    expect(offset.headers.get('content-range')).toBe('2-4/*')
  })

  it('the Range header wins over a larger limit; ranges past the end are truncated', async () => {
    const res = await rest(stack, 'items?select=id&order=id.asc&limit=3', {
      headers: { Range: '0-1' },
    })
    expect(res.json).toEqual(ids(2))
    expect(res.headers.get('content-range')).toBe('0-1/*')
    const past = await rest(stack, 'items?select=id&order=id.asc', { headers: { Range: '10-100' } })
    expect(past.json).toEqual(ids(5, 11))
    expect(past.headers.get('content-range')).toBe('10-14/*')
    const open = await rest(stack, 'items?select=id&order=id.asc', { headers: { Range: '13-' } })
    expect(open.json).toEqual(ids(2, 14))
  })

  it('offset=0 and a negative offset are no-ops; limit=0 is an empty page', async () => {
    const zero = await rest(stack, 'items?select=id&offset=0&order=id')
    expect(zero.headers.get('content-range')).toBe('0-14/*')
    const negative = await rest(stack, 'items?select=id&offset=-4&order=id')
    expect(negative.json).toEqual(ids(15))
    const none = await rest(stack, 'items?select=id&limit=0')
    expect(none.status).toBe(200)
    expect(none.json).toEqual([])
    expect(none.headers.get('content-range')).toBe('*/*')
  })

  it('count=exact: 200 with all rows, 206 with a page, */0 for nothing', async () => {
    const all = await rest(stack, 'items?select=id', { headers: { Prefer: 'count=exact' } })
    expect(all.status).toBe(200)
    expect(all.headers.get('content-range')).toBe('0-14/15')
    expect(all.headers.get('preference-applied')).toBe('count=exact')
    const page = await rest(stack, 'items?select=id&order=id&offset=5&limit=5', {
      headers: { Prefer: 'count=exact' },
    })
    expect(page.status).toBe(206)
    expect(page.headers.get('content-range')).toBe('5-9/15')
    const filtered = await rest(stack, 'items?select=id&id=gt.8', {
      headers: { Prefer: 'count=exact' },
    })
    expect(filtered.status).toBe(200)
    expect(filtered.headers.get('content-range')).toBe('0-6/7')
    const empty = await rest(stack, 'items?id=eq.0', { headers: { Prefer: 'count=exact' } })
    expect(empty.status).toBe(200)
    expect(empty.json).toEqual([])
    expect(empty.headers.get('content-range')).toBe('*/0')
  })

  it('count=exact with an offset past the end: 416 PGRST103, Content-Range */total', async () => {
    const res = await rest(stack, 'items?offset=100', { headers: { Prefer: 'count=exact' } })
    expect(res.status).toBe(416)
    expect(res.headers.get('content-range')).toBe('*/15')
    expect(res.json).toEqual({
      code: 'PGRST103',
      details: 'An offset of 100 was requested, but there are only 15 rows.',
      hint: null,
      message: 'Requested range not satisfiable',
    })
    const empty = await rest(stack, 'menagerie?offset=1', { headers: { Prefer: 'count=exact' } })
    expect(empty.status).toBe(416)
    expect(empty.headers.get('content-range')).toBe('*/0')
    expect(empty.headers.get('content-length')).toBe('144')
  })

  it('an offset past the end without a count is an empty 200', async () => {
    const res = await rest(stack, 'items?offset=100')
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
  })

  it('a negative limit or an inverted Range header is 416 PGRST103', async () => {
    const negative = await rest(stack, 'items?select=id&limit=-1')
    expect(negative.status).toBe(416)
    expect(negative.json).toMatchObject({
      code: 'PGRST103',
      details: 'Limit should be greater than or equal to zero.',
    })
    const inverted = await rest(stack, 'items', { headers: { Range: '1-0' } })
    expect(inverted.status).toBe(416)
    expect(inverted.json).toMatchObject({
      code: 'PGRST103',
      details:
        'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    })
  })

  it("supabase-js: count 'exact' with range() gets the total and the status", async () => {
    const page = await supabase
      .from('items')
      .select('id', { count: 'exact' })
      .order('id')
      .range(0, 4)
    expect(page.status).toBe(206)
    expect(page.count).toBe(15)
    expect(page.data).toEqual(ids(5))
    const all = await supabase
      .from('items')
      .select('id', { count: 'exact' })
      .order('id')
      .range(0, 999)
    expect(all.status).toBe(200)
    expect(all.count).toBe(15)
    const past = await supabase.from('items').select('id', { count: 'exact' }).range(100, 199)
    expect(past.status).toBe(416)
    expect(past.error?.code).toBe('PGRST103')
  })
})

describe('singular responses (SingularSpec.hs)', () => {
  it('supabase-js .single() gets one object', async () => {
    const { data, error, status } = await supabase.from('items').select('id').eq('id', 5).single()
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toEqual({ id: 5 })
    const raw = await rest(stack, 'items?id=eq.5', {
      headers: { Accept: 'application/vnd.pgrst.object+json' },
    })
    expect(raw.text).toBe('{"id":5}')
    expect(raw.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8')
  })

  it('.single() on zero or several rows: 406 PGRST116', async () => {
    const none = await supabase.from('items').select('id').eq('id', 0).single()
    expect(none.status).toBe(406)
    expect(none.error).toEqual({
      code: 'PGRST116',
      details: 'The result contains 0 rows',
      hint: null,
      message: 'Cannot coerce the result to a single JSON object',
    })
    const many = await supabase.from('items').select('id').lt('id', 3).single()
    expect(many.status).toBe(406)
    expect(many.error?.details).toBe('The result contains 2 rows')
  })

  it('.maybeSingle() on zero rows: data null, no error', async () => {
    const { data, error } = await supabase.from('items').select('id').eq('id', 0).maybeSingle()
    expect(error).toBeNull()
    expect(data).toBeNull()
  })

  it('nulls=stripped leaves null fields out', async () => {
    const res = await rest(stack, 'people?select=id,city&id=eq.2', {
      headers: { Accept: 'application/vnd.pgrst.object+json;nulls=stripped' },
    })
    expect(res.text).toBe('{"id":2}')
    const arr = await rest(stack, 'people?select=id,city&id=in.(1,2)&order=id', {
      headers: { Accept: 'application/vnd.pgrst.array+json;nulls=stripped' },
    })
    expect(arr.json).toEqual([{ id: 1, city: 'Oslo' }, { id: 2 }])
  })

  it('a media type the stand-in cannot produce: 406 PGRST107', async () => {
    const res = await rest(stack, 'items', { headers: { Accept: 'text/xml' } })
    expect(res.status).toBe(406)
    expect(res.json).toMatchObject({
      code: 'PGRST107',
      message: 'None of these media types are available: text/xml',
    })
  })
})

describe('HEAD', () => {
  it('answers the headers of the GET and no body', async () => {
    const res = await rest(stack, 'items?select=id&order=id.asc&limit=3&offset=2', {
      method: 'HEAD',
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers.get('content-range')).toBe('2-4/*')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  })

  it("supabase-js select('id', { count: 'exact', head: true })", async () => {
    const { data, count, error, status } = await supabase
      .from('items')
      .select('id', { count: 'exact', head: true })
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(count).toBe(15)
    expect(data).toBeNull()
    const filtered = await supabase
      .from('items')
      .select('id', { count: 'exact', head: true })
      .gt('id', 10)
    expect(filtered.count).toBe(5)
    const raw = await rest(stack, 'items?select=id&id=gt.10', {
      method: 'HEAD',
      headers: { Prefer: 'count=exact' },
    })
    expect(raw.headers.get('content-range')).toBe('0-4/5')
  })
})
