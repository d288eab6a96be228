/**
 * Writes through the stand-in: insert, upsert (merge / ignore duplicates), update and delete, with
 * the statuses, Preference-Applied and Content-Range PostgREST sends (Response.hs; cases ported from
 * test/spec/Feature/Query/InsertSpec.hs, UpsertSpec.hs, UpdateSpec.hs and DeleteSpec.hs).
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { dealer, dealers, rest, sql, supabaseClient, uuid } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

beforeAll(async () => {
  stack = await startLocalStack()
  supabase = supabaseClient(stack)
  await sql(
    stack,
    `create table tiobe_pls (name text primary key, rank int);
     create table single_unique (unique_key int unique not null, value text);
     create table no_pk (a text, b text);
     create table surr_serial_upsert (id serial primary key, name text, extra text);
     create table complex_items (id int primary key, name text, "field-with_sep" int default 1, arr_data int[]);
     create table tbl_w_json (id int primary key, data jsonb);
     create table gen (a text, b text generated always as (a || '!') stored);`,
  )
})

beforeEach(async () => {
  await sql(
    stack,
    `truncate dealers, tiobe_pls, single_unique, no_pk, complex_items, tbl_w_json, gen;
     truncate surr_serial_upsert restart identity;
     insert into tiobe_pls values ('Java', 1), ('C', 2);
     insert into single_unique values (1, 'A');
     insert into surr_serial_upsert (name, extra) values ('value', 'existing value');`,
  )
})

afterAll(async () => {
  await stack?.stop()
})

describe('insert', () => {
  it('201, empty body, no Content-Type without return=representation', async () => {
    const res = await rest(stack, 'dealers?columns="id","name","slug","created_at"', {
      method: 'POST',
      body: [{ id: uuid(1), name: 'One', slug: 'one', created_at: '2024-05-01T00:00:00Z' }],
    })
    expect(res.status).toBe(201)
    expect(res.text).toBe('')
    expect(res.headers.get('content-type')).toBeNull()
    expect(res.headers.get('content-range')).toBe('*/*')
    expect(res.headers.get('preference-applied')).toBeNull()
  })

  it('supabase-js insert(row).select() gets the row back as PostgreSQL renders it', async () => {
    const { data, error, status } = await supabase.from('dealers').insert(dealer(2)).select()
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(data).toEqual([dealer(2)])
  })

  it('return=representation with select, aliases and casts; count=exact gives */n', async () => {
    const res = await rest(stack, 'dealers?select=key:id,name,created_at::date', {
      method: 'POST',
      headers: { Prefer: 'return=representation, count=exact' },
      body: [dealer(3), dealer(4)],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { key: uuid(3), name: 'Dealer 3', created_at: '2024-05-01' },
      { key: uuid(4), name: 'Dealer 4', created_at: '2024-05-01' },
    ])
    expect(res.headers.get('content-range')).toBe('*/2')
    expect(res.headers.get('preference-applied')).toBe('return=representation, count=exact')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  })

  it('keys missing from an object are NULL (or the default with missing=default)', async () => {
    const nulls = await rest(stack, 'complex_items?columns=id,name,field-with_sep,arr_data', {
      method: 'POST',
      headers: { Prefer: 'return=representation' },
      body: [{ id: 1, name: 'Eins' }, { id: 2, name: 'Zwei', 'field-with_sep': 2, arr_data: [1, 2] }],
    })
    expect(nulls.status).toBe(201)
    expect(nulls.json).toEqual([
      { id: 1, name: 'Eins', 'field-with_sep': null, arr_data: null },
      { id: 2, name: 'Zwei', 'field-with_sep': 2, arr_data: [1, 2] },
    ])
    // InsertSpec: "inserts table default values(field-with_sep) when json keys are undefined"
    const defaults = await rest(stack, 'complex_items?columns=id,name,field-with_sep,arr_data', {
      method: 'POST',
      headers: { Prefer: 'return=representation, missing=default' },
      body: [
        { id: 4, name: 'Vier' },
        { id: 5, name: 'Funf', arr_data: null },
        { id: 6, name: 'Sechs', 'field-with_sep': 6, arr_data: '{1,2,3}' },
      ],
    })
    expect(defaults.status).toBe(201)
    expect(defaults.json).toEqual([
      { id: 4, name: 'Vier', 'field-with_sep': 1, arr_data: null },
      { id: 5, name: 'Funf', 'field-with_sep': 1, arr_data: null },
      { id: 6, name: 'Sechs', 'field-with_sep': 6, arr_data: [1, 2, 3] },
    ])
    expect(defaults.headers.get('preference-applied')).toBe('missing=default, return=representation')
  })

  it('supabase-js insert with defaultToNull: false sends missing=default', async () => {
    const { data, error } = await supabase
      .from('complex_items')
      .insert([{ id: 7, name: 'Sieben' }, { id: 8, name: 'Acht', 'field-with_sep': 8 }], { defaultToNull: false })
      .select('id,field-with_sep')
    expect(error).toBeNull()
    expect(data).toEqual([
      { id: 7, 'field-with_sep': 1 },
      { id: 8, 'field-with_sep': 8 },
    ])
  })

  it('jsonb columns take any JSON value; duplicate keys collapse as in jsonb', async () => {
    const res = await rest(stack, 'tbl_w_json?columns=id,data', {
      method: 'POST',
      headers: { Prefer: 'return=representation' },
      rawBody: '[{"id":1,"data":{"a":1,"a":2}},{"id":2,"data":"text"},{"id":3,"data":[1,null,true]},{"id":4,"data":null}]',
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { id: 1, data: { a: 2 } },
      { id: 2, data: 'text' },
      { id: 3, data: [1, null, true] },
      { id: 4, data: null },
    ])
  })

  it('columns ignores the keys it does not list', async () => {
    const res = await rest(stack, 'tiobe_pls?columns=name,rank&select=name,rank', {
      method: 'POST',
      headers: { Prefer: 'return=representation' },
      body: [{ name: 'Go', rank: 7, smth: 'here' }, { name: 'Rust', rank: 8, garbage: '%%$&' }],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { name: 'Go', rank: 7 },
      { name: 'Rust', rank: 8 },
    ])
  })

  it('an empty array inserts nothing and answers 201', async () => {
    const res = await rest(stack, 'tiobe_pls', { method: 'POST', headers: { Prefer: 'return=representation' }, body: [] })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([])
  })

  it('a generated column refuses a value: 428C9, 400', async () => {
    const res = await rest(stack, 'gen?columns=a,b', { method: 'POST', body: [{ a: 'x' }] })
    expect(res.status).toBe(400)
    expect(res.json).toEqual({
      code: '428C9',
      details: 'Column "b" is a generated column.',
      hint: null,
      message: 'cannot insert a non-DEFAULT value into column "b"',
    })
  })
})

describe('upsert', () => {
  it('merge-duplicates: 201 when at least one row is inserted (UpsertSpec)', async () => {
    const res = await rest(stack, 'tiobe_pls', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [
        { name: 'Javascript', rank: 6 },
        { name: 'Java', rank: 2 },
        { name: 'C', rank: 1 },
      ],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { name: 'Javascript', rank: 6 },
      { name: 'Java', rank: 2 },
      { name: 'C', rank: 1 },
    ])
    expect(res.headers.get('preference-applied')).toBe('resolution=merge-duplicates, return=representation')
  })

  it('merge-duplicates: 200 when every row was an update, with or without representation', async () => {
    const full = await rest(stack, 'tiobe_pls', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [{ name: 'Java', rank: 3 }],
    })
    expect(full.status).toBe(200)
    expect(full.json).toEqual([{ name: 'Java', rank: 3 }])
    const minimal = await rest(stack, 'tiobe_pls', {
      method: 'POST',
      headers: { Prefer: 'resolution=merge-duplicates' },
      body: [{ name: 'Java', rank: 4 }, { name: 'C', rank: 5 }],
    })
    expect(minimal.status).toBe(200)
    expect(minimal.text).toBe('')
    expect(minimal.headers.get('preference-applied')).toBe('resolution=merge-duplicates')
    expect(await sql(stack, 'select name, rank from tiobe_pls order by name')).toEqual([
      { name: 'C', rank: 5 },
      { name: 'Java', rank: 4 },
    ])
  })

  it('merge-duplicates with an empty array: 200 (nothing inserted)', async () => {
    const res = await rest(stack, 'tiobe_pls', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [],
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
  })

  it('on_conflict names a unique key other than the primary key', async () => {
    const res = await rest(stack, 'single_unique?on_conflict=unique_key', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [
        { unique_key: 1, value: 'B' },
        { unique_key: 2, value: 'C' },
      ],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { unique_key: 1, value: 'B' },
      { unique_key: 2, value: 'C' },
    ])
  })

  it('on_conflict on a column without a unique constraint: 42P10, 400', async () => {
    const res = await rest(stack, 'tiobe_pls?on_conflict=rank', {
      method: 'POST',
      headers: { Prefer: 'resolution=merge-duplicates' },
      body: [{ name: 'Java', rank: 1 }],
    })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({
      code: '42P10',
      message: 'there is no unique or exclusion constraint matching the ON CONFLICT specification',
    })
  })

  it('ignore-duplicates keeps existing rows and returns only the inserted ones, 201', async () => {
    const res = await rest(stack, 'tiobe_pls', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=ignore-duplicates' },
      body: [
        { name: 'PHP', rank: 9 },
        { name: 'Java', rank: 10 },
      ],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([{ name: 'PHP', rank: 9 }])
    expect(res.headers.get('preference-applied')).toBe('resolution=ignore-duplicates, return=representation')
    expect(await sql(stack, `select rank from tiobe_pls where name = 'Java'`)).toEqual([{ rank: 1 }])
  })

  it('without a primary key or on_conflict the resolution is not applied (no_pk)', async () => {
    const res = await rest(stack, 'no_pk', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [{ a: '1', b: '0' }],
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('preference-applied')).toBe('return=representation')
  })

  it('missing=default with a serial key: updates the given id, inserts the other (UpsertSpec)', async () => {
    const res = await rest(stack, 'surr_serial_upsert?columns=id,name&select=name,extra', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates, missing=default' },
      body: [{ id: 1, name: 'updated value' }, { name: 'new value' }],
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual([
      { name: 'updated value', extra: 'existing value' },
      { name: 'new value', extra: null },
    ])
    expect(res.headers.get('preference-applied')).toBe('resolution=merge-duplicates, missing=default, return=representation')
  })

  it('supabase-js upsert: 201 then 200, ignoreDuplicates keeps the first version', async () => {
    const first = await supabase.from('dealers').upsert(dealers(3), { onConflict: 'id' })
    expect(first.error).toBeNull()
    expect(first.status).toBe(201)
    const again = await supabase.from('dealers').upsert(dealers(3).map((d) => ({ ...d, name: `${d.name} v2` })), { onConflict: 'id' })
    expect(again.error).toBeNull()
    expect(again.status).toBe(200)
    const ignored = await supabase
      .from('dealers')
      .upsert([dealer(1, { name: 'ignored' }), dealer(4)], { onConflict: 'id', ignoreDuplicates: true })
      .select('id,name')
    expect(ignored.status).toBe(201)
    expect(ignored.data).toEqual([{ id: uuid(4), name: 'Dealer 4' }])
    const { data } = await supabase.from('dealers').select('name').order('id')
    expect(data?.map((r) => r.name)).toEqual(['Dealer 1 v2', 'Dealer 2 v2', 'Dealer 3 v2', 'Dealer 4'])
  })

  it('merge-duplicates updates only the listed columns (a partial upsert keeps the others)', async () => {
    await supabase.from('dealers').insert(dealer(10, { domain: 'keep.example.com' }))
    const res = await rest(stack, 'dealers?on_conflict=id&columns="id","name","slug","created_at"', {
      method: 'POST',
      headers: { Prefer: 'resolution=merge-duplicates, return=representation' },
      body: [{ id: uuid(10), name: 'Renamed', slug: 'dealer-10', created_at: '2024-05-01T10:34:56.789Z' }],
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([{ ...dealer(10, { domain: 'keep.example.com' }), name: 'Renamed' }])
  })
})

describe('update', () => {
  beforeEach(async () => {
    await supabase.from('dealers').insert(dealers(5))
  })

  it('204 with no body; Content-Range first-last/* of the changed rows', async () => {
    const res = await rest(stack, `dealers?id=in.(${uuid(1)},${uuid(2)})`, { method: 'PATCH', body: { domain: 'x.example.com' } })
    expect(res.status).toBe(204)
    expect(res.text).toBe('')
    expect(res.headers.get('content-range')).toBe('0-1/*')
    const { data } = await supabase.from('dealers').select('domain').order('id').limit(3)
    expect(data).toEqual([{ domain: 'x.example.com' }, { domain: 'x.example.com' }, { domain: 'dealer3.example.com' }])
  })

  it('200 with the changed rows for return=representation; count=exact gives the total', async () => {
    const res = await rest(stack, `dealers?id=eq.${uuid(3)}&select=id,name,updated_at`, {
      method: 'PATCH',
      headers: { Prefer: 'return=representation, count=exact' },
      body: { name: 'Three', updated_at: '2024-06-01T12:00:00+02:00' },
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([{ id: uuid(3), name: 'Three', updated_at: '2024-06-01T10:00:00+00:00' }])
    expect(res.headers.get('content-range')).toBe('0-0/1')
    expect(res.headers.get('preference-applied')).toBe('return=representation, count=exact')
  })

  it('no matching row: 204, Content-Range */*', async () => {
    const res = await rest(stack, `dealers?id=eq.${uuid(99)}`, { method: 'PATCH', body: { name: 'x' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('content-range')).toBe('*/*')
  })

  it('an empty object changes nothing', async () => {
    const res = await rest(stack, `dealers?id=eq.${uuid(1)}`, { method: 'PATCH', headers: { Prefer: 'return=representation' }, body: {} })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
  })

  it('supabase-js update().eq()', async () => {
    const { error, status } = await supabase.from('dealers').update({ rooftop_id: 'R-9' }).eq('id', uuid(4))
    expect(error).toBeNull()
    expect(status).toBe(204)
    const { data } = await supabase.from('dealers').select('rooftop_id').eq('id', uuid(4))
    expect(data).toEqual([{ rooftop_id: 'R-9' }])
  })

  it('singular PATCH touching several rows: 406 PGRST116 and nothing changes', async () => {
    const res = await rest(stack, 'dealers?slug=like.dealer-*', {
      method: 'PATCH',
      headers: { Accept: 'application/vnd.pgrst.object+json', Prefer: 'return=representation' },
      body: { domain: 'zzz' },
    })
    expect(res.status).toBe(406)
    expect(res.json).toEqual({
      code: 'PGRST116',
      details: 'The result contains 5 rows',
      hint: null,
      message: 'Cannot coerce the result to a single JSON object',
    })
    expect(await sql(stack, `select count(*)::int as n from dealers where domain = 'zzz'`)).toEqual([{ n: 0 }])
    const one = await supabase.from('dealers').update({ domain: 'one' }).eq('id', uuid(1)).select('domain').single()
    expect(one.data).toEqual({ domain: 'one' })
  })

  it('limit on PATCH is refused rather than ignored (400 PGRST127)', async () => {
    const res = await rest(stack, 'dealers?slug=like.dealer-*&limit=1&order=id', { method: 'PATCH', body: { domain: 'one' } })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'PGRST127' })
    expect(await sql(stack, `select count(*)::int as n from dealers where domain = 'one'`)).toEqual([{ n: 0 }])
  })

  it('a NOT NULL violation is 23502, 400', async () => {
    const { error, status } = await supabase.from('dealers').update({ name: null }).eq('id', uuid(1))
    expect(status).toBe(400)
    expect(error?.code).toBe('23502')
  })
})

describe('delete', () => {
  beforeEach(async () => {
    await supabase.from('dealers').insert(dealers(5))
  })

  it('supabase-js delete().eq() and delete().in(): 204', async () => {
    const one = await supabase.from('dealers').delete().eq('id', uuid(1))
    expect(one.error).toBeNull()
    expect(one.status).toBe(204)
    const two = await supabase.from('dealers').delete().in('id', [uuid(2), uuid(3)])
    expect(two.status).toBe(204)
    const { data } = await supabase.from('dealers').select('id').order('id')
    expect(data).toEqual([{ id: uuid(4) }, { id: uuid(5) }])
  })

  it('return=representation: 200 with the deleted rows; count=exact: Content-Range */n', async () => {
    const res = await rest(stack, `dealers?id=in.(${uuid(4)},${uuid(5)})&select=slug`, {
      method: 'DELETE',
      headers: { Prefer: 'return=representation, count=exact' },
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([{ slug: 'dealer-4' }, { slug: 'dealer-5' }])
    expect(res.headers.get('content-range')).toBe('*/2')
    const minimal = await rest(stack, `dealers?id=eq.${uuid(1)}`, { method: 'DELETE' })
    expect(minimal.status).toBe(204)
    expect(minimal.headers.get('content-range')).toBe('*/*')
  })

  it('deleting nothing is still 204', async () => {
    const res = await rest(stack, `dealers?id=eq.${uuid(42)}`, { method: 'DELETE' })
    expect(res.status).toBe(204)
  })
})
