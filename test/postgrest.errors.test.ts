/**
 * Errors and authentication: every SQLSTATE → status mapping of the spec table that real SQL can
 * trigger, PostgREST's own PGRST codes, and the JWT rules (PostgREST's Error.hs and Auth/Jwt.hs).
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signKey } from '../dev/postgrest/auth.js'
import type { LocalStack } from '../dev/stack.js'
import { dealer, rest, sql, startStandin, supabaseClient, uuid } from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

async function jwt(
  claims: Record<string, unknown>,
  secret = stack.jwtSecret,
  expiresIn: number | undefined = 3600,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const token = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 60)
  if (expiresIn !== undefined) token.setExpirationTime(now + expiresIn)
  return token.sign(new TextEncoder().encode(secret))
}

beforeAll(async () => {
  stack = await startStandin()
  supabase = supabaseClient(stack)
  await sql(
    stack,
    `create table parents (id int primary key);
     create table children (id int primary key, parent_id int not null references parents (id));
     create table secured (id int primary key, owner text);
     alter table secured enable row level security;
     grant select, insert on secured to authenticated;
     insert into secured values (1, 'someone');
     create table open_to_anon (id int primary key);
     insert into open_to_anon values (1);
     create function raise_state(code text) returns void language plpgsql as
       $$ begin raise exception 'raised %', code using errcode = code; end $$;
     create function uses_missing_table() returns int language plpgsql as
       $$ begin return (select count(*) from no_such_table); end $$;
     create function uses_missing_function() returns int language plpgsql as
       $$ begin return no_such_function(1); end $$;
     create function whoami() returns json language sql stable as
       $$ select json_build_object('role', current_user, 'claims', current_setting('request.jwt.claims', true)::json) $$;`,
  )
})

afterAll(async () => {
  await stack?.stop()
})

describe('SQLSTATE → HTTP status', () => {
  it('23505 unique violation → 409', async () => {
    await supabase.from('dealers').insert(dealer(1))
    const { status, error } = await supabase.from('dealers').insert(dealer(2, { slug: 'dealer-1' }))
    expect(status).toBe(409)
    expect(error?.code).toBe('23505')
  })

  it('23503 foreign key violation → 409', async () => {
    const { status, error } = await supabase.from('children').insert({ id: 1, parent_id: 42 })
    expect(status).toBe(409)
    expect(error).toEqual({
      code: '23503',
      details: 'Key (parent_id)=(42) is not present in table "parents".',
      hint: null,
      message:
        'insert or update on table "children" violates foreign key constraint "children_parent_id_fkey"',
    })
  })

  it('23502 not null violation (name missing) → 400', async () => {
    const { name: _name, ...noName } = dealer(3)
    const { status, error } = await supabase.from('dealers').insert(noName)
    expect(status).toBe(400)
    expect(error?.code).toBe('23502')
    expect(error?.message).toBe(
      'null value in column "name" of relation "dealers" violates not-null constraint',
    )
  })

  it('22P02 bad text representation (id not a uuid) → 400', async () => {
    const { status, error } = await supabase.from('dealers').delete().eq('id', 'nope')
    expect(status).toBe(400)
    expect(error?.code).toBe('22P02')
  })

  it('22007 / 22008 bad dates → 400', async () => {
    const bad = await supabase.from('dealers').insert(dealer(4, { created_at: 'yesterday-ish' }))
    expect(bad.status).toBe(400)
    expect(bad.error?.code).toBe('22007')
    const overflow = await supabase
      .from('dealers')
      .insert(dealer(5, { created_at: '2024-13-45T00:00:00Z' }))
    expect(overflow.status).toBe(400)
    expect(overflow.error?.code).toBe('22008')
  })

  it('42703 undefined column → 400', async () => {
    const { status, error } = await supabase.from('dealers').select('id').eq('nope', 1)
    expect(status).toBe(400)
    expect(error?.code).toBe('42703')
  })

  it('42P10 no matching conflict target → 400', async () => {
    const { status, error } = await supabase
      .from('dealers')
      .upsert(dealer(6), { onConflict: 'name' })
    expect(status).toBe(400)
    expect(error?.code).toBe('42P10')
  })

  it('42P01 undefined table (from SQL) and PGRST205 (from the schema cache) → 404', async () => {
    const fromSql = await supabase.rpc('uses_missing_table')
    expect(fromSql.status).toBe(404)
    expect(fromSql.error?.code).toBe('42P01')
    const fromCache = await rest(stack, 'dealer')
    expect(fromCache.status).toBe(404)
    expect(fromCache.json).toEqual({
      code: 'PGRST205',
      details: null,
      hint: "Perhaps you meant the table 'public.dealers'",
      message: "Could not find the table 'public.dealer' in the schema cache",
    })
  })

  it('42883 undefined function → 404', async () => {
    const { status, error } = await supabase.rpc('uses_missing_function')
    expect(status).toBe(404)
    expect(error?.code).toBe('42883')
  })

  it('42501 insufficient privilege → 401 for anon, 403 for an authenticated role', async () => {
    const anon = await supabaseClient(stack, stack.anonKey).from('dealers').select('id')
    expect(anon.status).toBe(401)
    expect(anon.error).toEqual({
      code: '42501',
      details: null,
      hint: null,
      message: 'permission denied for table dealers',
    })
    const raw = await rest(stack, 'dealers', { key: stack.anonKey })
    expect(raw.headers.get('www-authenticate')).toBe('Bearer')
    const user = supabaseClient(stack, await jwt({ role: 'authenticated', sub: 'u1' }))
    const authed = await user.from('dealers').select('id')
    expect(authed.status).toBe(403)
    expect(authed.error?.code).toBe('42501')
  })

  it('RLS: a read without a policy returns no rows; a write it refuses is 42501 → 403', async () => {
    const user = supabaseClient(stack, await jwt({ role: 'authenticated', sub: 'u1' }))
    const read = await user.from('secured').select('*')
    expect(read.error).toBeNull()
    expect(read.data).toEqual([])
    const write = await user.from('secured').insert({ id: 2, owner: 'me' })
    expect(write.status).toBe(403)
    expect(write.error?.code).toBe('42501')
    expect(write.error?.message).toBe(
      'new row violates row-level security policy for table "secured"',
    )
  })

  it('service_role bypasses RLS', async () => {
    const { data } = await supabase.from('secured').select('*')
    expect(data).toEqual([{ id: 1, owner: 'someone' }])
  })

  it('P0001 raise exception → 400', async () => {
    const { status, error } = await supabase.rpc('raise_state', { code: 'P0001' })
    expect(status).toBe(400)
    expect(error).toEqual({ code: 'P0001', details: null, hint: null, message: 'raised P0001' })
  })

  // The rest of the spec table, raised with the exact SQLSTATE.
  it.each([
    ['40001', 500], // serialization failure
    ['40P01', 500], // deadlock
    ['57P01', 503], // admin shutdown
    ['57014', 500], // query canceled (other 57*)
    ['08006', 503], // connection failure
    ['53300', 503], // too many connections
    ['53400', 500], // configuration limit exceeded
    ['54000', 500], // program limit exceeded
    ['55000', 500], // object not in prerequisite state
    ['58030', 500], // io error
    ['25001', 500], // invalid transaction state
    ['P0002', 500], // no data found (P0* other than P0001)
    ['XX000', 500], // internal error
    ['28000', 403], // invalid authorization specification
    ['0L000', 403], // invalid grantor
    ['0P000', 403], // invalid role specification
    ['22012', 400], // any other: division by zero
    ['23514', 400], // check violation
  ])('SQLSTATE %s → %i', async (code, status) => {
    const res = await rest(stack, 'rpc/raise_state', { method: 'POST', body: { code } })
    expect(res.status).toBe(status)
    expect(res.json).toEqual({ code, details: null, hint: null, message: `raised ${code}` })
    expect(res.headers.get('proxy-status')).toBe(`PostgREST; error=${code}`)
  })
})

describe("PostgREST's own errors", () => {
  it('PGRST204: a column not in the table, from columns or from the body', async () => {
    const fromColumns = await rest(stack, 'dealers?columns=id,helicopter', {
      method: 'POST',
      body: [dealer(7)],
    })
    expect(fromColumns.status).toBe(400)
    expect(fromColumns.json).toEqual({
      code: 'PGRST204',
      details: null,
      hint: null,
      message: "Could not find the 'helicopter' column of 'dealers' in the schema cache",
    })
    const { status, error } = await supabase
      .from('dealers')
      .insert({ ...dealer(8), helicopter: true })
    expect(status).toBe(400)
    expect(error?.code).toBe('PGRST204')
    const patch = await supabase.from('dealers').update({ wings: 2 }).eq('id', uuid(1))
    expect(patch.status).toBe(400)
    expect(patch.error?.message).toBe(
      "Could not find the 'wings' column of 'dealers' in the schema cache",
    )
  })

  it('PGRST205 comes before PGRST204 (the table is looked up first)', async () => {
    const res = await rest(stack, 'garlic?columns=helicopter', {
      method: 'POST',
      body: [{ id: 1 }],
    })
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({
      code: 'PGRST205',
      message: "Could not find the table 'public.garlic' in the schema cache",
    })
  })

  it('PGRST100: unparsable query string', async () => {
    const filter = await rest(stack, 'dealers?id=eqq.1')
    expect(filter.status).toBe(400)
    expect(filter.json).toMatchObject({ code: 'PGRST100' })
    const inList = await rest(stack, 'dealers?id=in.1,2')
    expect(inList.status).toBe(400)
    expect(inList.json).toMatchObject({ code: 'PGRST100' })
    const columns = await rest(stack, 'dealers?columns=', { method: 'POST', body: [dealer(9)] })
    expect(columns.json).toEqual({
      code: 'PGRST100',
      details: 'unexpected end of input expecting field name (* or [a..z0..9_$])',
      hint: null,
      message: '"failed to parse columns parameter ()" (line 1, column 1)',
    })
  })

  it('PGRST102: invalid JSON, an empty body, objects with different keys', async () => {
    const invalid = await rest(stack, 'dealers', { method: 'POST', rawBody: '}{ x = 2' })
    expect(invalid.status).toBe(400)
    expect(invalid.text).toBe(
      '{"code":"PGRST102","details":null,"hint":null,"message":"Empty or invalid json"}',
    )
    expect(invalid.headers.get('content-length')).toBe('80')
    const empty = await rest(stack, 'dealers', { method: 'POST', rawBody: '' })
    expect(empty.json).toMatchObject({ code: 'PGRST102', message: 'Empty or invalid json' })
    const mixed = await rest(stack, 'dealers', {
      method: 'POST',
      body: [{ id: uuid(1), name: 'a' }, { id: uuid(2) }],
    })
    expect(mixed.status).toBe(400)
    expect(mixed.json).toEqual({
      code: 'PGRST102',
      details: null,
      hint: null,
      message: 'All object keys must match',
    })
    const notObjects = await rest(stack, 'dealers', {
      method: 'POST',
      body: [{ id: uuid(1) }, 123],
    })
    expect(notObjects.json).toMatchObject({
      code: 'PGRST102',
      message: 'All object keys must match',
    })
  })

  it('PGRST125: a path outside /rest/v1/<table> and /rest/v1/rpc/<fn>', async () => {
    const res = await fetch(`${stack.supabaseUrl}/rest/v1/a/b/c`, {
      headers: { apikey: stack.serviceRoleKey },
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      code: 'PGRST125',
      message: 'Invalid path specified in request URL',
    })
  })

  it('error responses are JSON with the Proxy-Status header', async () => {
    const res = await rest(stack, 'nope')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('proxy-status')).toBe('PostgREST; error=PGRST205')
  })

  it('a table created after start is found (the cache reloads on a miss)', async () => {
    await sql(
      stack,
      'create table late_table (id int primary key); insert into late_table values (1)',
    )
    const { data, error } = await supabase.from('late_table').select('id')
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 1 }])
    await sql(stack, 'alter table late_table add column extra text')
    const { error: insertError } = await supabase
      .from('late_table')
      .insert({ id: 2, extra: 'new column' })
    expect(insertError).toBeNull()
  })
})

describe('authentication', () => {
  it('the anon key is a valid key for a role without grants on dealers: 401', async () => {
    const res = await rest(stack, 'dealers', { key: stack.anonKey })
    expect(res.status).toBe(401)
    // ... and a table anon may read is readable with it.
    const open = await rest(stack, 'open_to_anon', { key: stack.anonKey })
    expect(open.status).toBe(200)
    expect(open.json).toEqual([{ id: 1 }])
  })

  it('no key at all: 401', async () => {
    const res = await rest(stack, 'open_to_anon', { key: null })
    expect(res.status).toBe(401)
    expect(res.json).toEqual({
      code: 'PGRST302',
      details: null,
      hint: 'No `apikey` request header or url param was found.',
      message: 'Anonymous access is disabled',
    })
  })

  it('a key signed with another secret: 401 PGRST301', async () => {
    const forged = await signKey('not-the-secret-at-all-not-the-secret', 'service_role')
    const { status, error } = await supabaseClient(stack, forged).from('dealers').select('id')
    expect(status).toBe(401)
    expect(error).toEqual({
      code: 'PGRST301',
      details: null,
      hint: null,
      message: 'JWT cryptographic operation failed',
    })
    const raw = await rest(stack, 'dealers', { key: forged })
    expect(raw.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="JWT cryptographic operation failed"',
    )
  })

  it('a malformed key: 401 PGRST301', async () => {
    const res = await rest(stack, 'dealers', { key: 'abc.def' })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: 'PGRST301', message: 'Expected 3 parts in JWT; got 2' })
    const empty = await rest(stack, 'dealers', { key: null, headers: { Authorization: 'Bearer ' } })
    expect(empty.status).toBe(401)
    expect(empty.json).toMatchObject({
      code: 'PGRST301',
      message: 'Empty JWT is sent in Authorization header',
    })
    const garbage = await rest(stack, 'dealers', { key: 'a.b.c' })
    expect(garbage.status).toBe(401)
    expect(garbage.json).toMatchObject({ code: 'PGRST301' })
  })

  it('an expired key: 401 PGRST303 JWT expired', async () => {
    const expired = await jwt({ role: 'service_role' }, stack.jwtSecret, -3600)
    const res = await rest(stack, 'dealers', { key: expired })
    expect(res.status).toBe(401)
    expect(res.json).toEqual({
      code: 'PGRST303',
      details: null,
      hint: null,
      message: 'JWT expired',
    })
  })

  it('Authorization wins over apikey; apikey alone is enough', async () => {
    const both = await rest(stack, 'dealers?select=id', {
      key: null,
      headers: { apikey: stack.anonKey, Authorization: `Bearer ${stack.serviceRoleKey}` },
    })
    expect(both.status).toBe(200)
    const reversed = await rest(stack, 'dealers?select=id', {
      key: null,
      headers: { apikey: stack.serviceRoleKey, Authorization: `Bearer ${stack.anonKey}` },
    })
    expect(reversed.status).toBe(401)
    const apikeyOnly = await rest(stack, 'dealers?select=id', {
      key: null,
      headers: { apikey: stack.serviceRoleKey },
    })
    expect(apikeyOnly.status).toBe(200)
  })

  it('a role claim naming a role that does not exist: 401 (22023)', async () => {
    const res = await rest(stack, 'dealers', { key: await jwt({ role: 'ghost' }) })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: '22023', message: 'role "ghost" does not exist' })
  })

  it('the request runs as the role of the key, with the claims in request.jwt.claims', async () => {
    const { data } = await supabaseClient(
      stack,
      await jwt({ role: 'authenticated', sub: 'user-1' }),
    ).rpc('whoami')
    expect(data).toMatchObject({
      role: 'authenticated',
      claims: { role: 'authenticated', sub: 'user-1' },
    })
    const service = await supabase.rpc('whoami')
    expect(service.data).toMatchObject({
      role: 'service_role',
      claims: { role: 'service_role', iss: 'supabase-demo' },
    })
  })
})
