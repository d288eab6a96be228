/**
 * The acceptance checks for the PostgREST stand-in, through the unmodified supabase-js client.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStack } from '../dev/stack.js'
import {
  dealer,
  dealers,
  rest,
  sql,
  startStandin,
  supabaseClient,
  uuid,
} from './helpers/standin.js'

let stack: LocalStack
let supabase: SupabaseClient

beforeAll(async () => {
  stack = await startStandin()
  supabase = supabaseClient(stack)
})

afterAll(async () => {
  await stack?.stop()
})

describe('acceptance: the PostgREST stand-in behind supabase-js', () => {
  it('supabase-js upserts 1,000 dealer rows in ONE request', async () => {
    stack.resetStats()
    const rows = dealers(1000)
    const { error, status } = await supabase.from('dealers').upsert(rows, { onConflict: 'id' })
    expect(error).toBeNull()
    expect(status).toBe(201)
    const stats = stack.stats()
    expect(stats.total).toBe(1)
    expect(stats.byTable).toEqual({ dealers: { POST: 1 } })
    const [{ count }] = await sql<{ count: string }>(stack, 'select count(*) from dealers')
    expect(Number(count)).toBe(1000)
  })

  it("reads them back with count: 'exact' (Content-Range 0-999/1000)", async () => {
    const { data, error, count, status } = await supabase
      .from('dealers')
      .select('id,name,slug,api_config,created_at', { count: 'exact' })
      .order('id')
      .range(0, 999)
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(count).toBe(1000)
    expect(data).toHaveLength(1000)
    expect(data?.[0]).toEqual({
      id: uuid(1),
      name: 'Dealer 1',
      slug: 'dealer-1',
      api_config: { n: 1, tags: ['a', 'b'] },
      created_at: '2024-05-01T10:34:56.789+00:00',
    })
    // The header itself, which supabase-js only turns into `count`.
    const raw = await rest(stack, 'dealers?select=id&order=id.asc&offset=0&limit=1000', {
      headers: { Prefer: 'count=exact' },
    })
    expect(raw.status).toBe(200)
    expect(raw.headers.get('content-range')).toBe('0-999/1000')
  })

  it('gets 409 with code 23505 for a duplicate slug', async () => {
    const { error, status } = await supabase
      .from('dealers')
      .insert(dealer(5001, { slug: 'dealer-1' }))
    expect(status).toBe(409)
    expect(error?.code).toBe('23505')
    expect(error?.message).toBe('duplicate key value violates unique constraint "dealers_slug_key"')
    expect(error?.details).toBe('Key (slug)=(dealer-1) already exists.')
  })

  it('gets 400 with 22P02 for a bad uuid', async () => {
    const { error, status } = await supabase.from('dealers').select('id').eq('id', 'not-a-uuid')
    expect(status).toBe(400)
    expect(error?.code).toBe('22P02')
    expect(error?.message).toBe('invalid input syntax for type uuid: "not-a-uuid"')
    const write = await supabase.from('dealers').insert(dealer(5002, { id: 'not-a-uuid' }))
    expect(write.status).toBe(400)
    expect(write.error?.code).toBe('22P02')
  })

  it('gets 404 for an unknown table', async () => {
    const { error, status } = await supabase.from('no_such_table').select('*')
    expect(status).toBe(404)
    expect(error?.code).toBe('PGRST205')
    expect(error?.message).toBe(
      "Could not find the table 'public.no_such_table' in the schema cache",
    )
  })

  it('gets 401 with the anon key', async () => {
    const anon = supabaseClient(stack, stack.anonKey)
    const read = await anon.from('dealers').select('id').limit(1)
    expect(read.status).toBe(401)
    expect(read.error?.code).toBe('42501')
    const write = await anon.from('dealers').upsert(dealer(1), { onConflict: 'id' })
    expect(write.status).toBe(401)
    expect(write.error?.code).toBe('42501')
  })

  it('gets 401 with no key', async () => {
    const res = await rest(stack, 'dealers?select=id', { key: null })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ code: 'PGRST302', message: 'Anonymous access is disabled' })
    // A key that is not even a JWT.
    const keyless = supabaseClient(stack, 'x')
    const { status, error } = await keyless.from('dealers').select('id')
    expect(status).toBe(401)
    expect(error?.code).toBe('PGRST301')
  })
})
