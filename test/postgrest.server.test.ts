/**
 * The stand-in server on its own (startPostgrestServer, as dev/stack.ts uses it): URL and port,
 * ensureRoles, and a close() that leaves no database connection and no listening socket behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signKey } from '../dev/postgrest/auth.js'
import { ensureRoles, startPostgrestServer } from '../dev/postgrest/server.js'
import { freePort, type LocalStack } from '../dev/stack.js'
import { eventually, sql, startStandin } from './helpers/standin.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startStandin()
})

afterAll(async () => {
  await stack?.stop()
})

async function connections(applicationName: string): Promise<number> {
  const [{ n }] = await sql<{ n: number }>(
    stack,
    'select count(*)::int as n from pg_stat_activity where application_name = $1',
    [applicationName],
  )
  return n
}

describe('startPostgrestServer', () => {
  it('listens on the port asked for, at http://127.0.0.1:<port>', async () => {
    const port = await freePort()
    const server = await startPostgrestServer({
      databaseUri: stack.supabaseDbUri,
      jwtSecret: 'a-secret-of-at-least-32-characters!!',
      port,
    })
    try {
      expect(server.port).toBe(port)
      expect(server.url).toBe(`http://127.0.0.1:${port}`)
      const key = await signKey('a-secret-of-at-least-32-characters!!', 'service_role')
      const res = await fetch(`${server.url}/rest/v1/dealers`, { headers: { apikey: key } })
      expect(res.status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('close() ends every database connection and the listener, even with keep-alive clients', async () => {
    const secret = 'another-secret-of-at-least-32-chars!'
    const server = await startPostgrestServer({
      databaseUri: stack.supabaseDbUri,
      jwtSecret: secret,
      applicationName: 'standin-close-test',
    })
    const key = await signKey(secret, 'service_role')
    // Several requests at once, so the pool opens several connections.
    await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${server.url}/rest/v1/dealers`, { headers: { apikey: key } }).then((r) => r.text()),
      ),
    )
    expect(await connections('standin-close-test')).toBeGreaterThan(0)
    await server.close()
    await server.close() // idempotent
    // PostgreSQL ends a backend shortly after its client disconnects: wait for that, not for a time.
    await eventually(
      async () => (await connections('standin-close-test')) === 0,
      'the backends to end',
    )
    const error = await fetch(`${server.url}/rest/v1/dealers`).catch(
      (e: { cause?: { code?: string } }) => e.cause?.code,
    )
    expect(error).toBe('ECONNREFUSED')
  })

  it("answers a URL past the gateway's 8 KB with nginx's 414 (HTML, no PostgREST code), served by nobody", async () => {
    const key = await signKey(stack.jwtSecret, 'service_role')
    const ask = (ids: number) =>
      fetch(
        `${stack.supabaseUrl}/rest/v1/dealers?select=id&id=in.(${Array.from({ length: ids }, () => '00000000-0000-4000-8000-000000000000').join(',')})`,
        { headers: { apikey: key, Authorization: `Bearer ${key}` } },
      )
    stack.resetStats()
    const long = await ask(250)
    expect(long.status).toBe(414)
    expect(long.headers.get('content-type')).toMatch(/text\/html/)
    expect(await long.text()).toMatch(/414 Request-URI Too Large/)
    expect(stack.stats().total).toBe(0)
    expect((await ask(150)).status).toBe(200)
  })

  it('refuses to start when the database is unreachable', async () => {
    const port = await freePort()
    await expect(
      startPostgrestServer({
        databaseUri: `postgres://postgres:x@127.0.0.1:${port}/none`,
        jwtSecret: 'x',
      }),
    ).rejects.toThrow(/cannot read the schema/)
  })
})

describe('ensureRoles', () => {
  it('created anon, authenticated (NOLOGIN) and service_role (NOLOGIN BYPASSRLS), and may run again', async () => {
    await ensureRoles(stack.supabaseDbUri)
    await Promise.all([ensureRoles(stack.supabaseDbUri), ensureRoles(stack.supabaseDbUri)])
    const roles = await sql(
      stack,
      `select rolname, rolcanlogin, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by rolname`,
    )
    expect(roles).toEqual([
      { rolname: 'anon', rolcanlogin: false, rolbypassrls: false },
      { rolname: 'authenticated', rolcanlogin: false, rolbypassrls: false },
      { rolname: 'service_role', rolcanlogin: false, rolbypassrls: true },
    ])
    const usage = await sql(
      stack,
      `select r as role, has_schema_privilege(r, 'public', 'USAGE') as usage from unnest(array['anon', 'authenticated', 'service_role']) r`,
    )
    expect(usage.every((u) => u.usage === true)).toBe(true)
  })

  it('gives the three roles rights on new tables, as Supabase does (sql/001 then revokes them on dealers)', async () => {
    await sql(stack, 'create table fresh_table (id int)')
    const [rights] = await sql(
      stack,
      `select has_table_privilege('anon', 'fresh_table', 'SELECT') as anon_fresh,
              has_table_privilege('service_role', 'fresh_table', 'INSERT') as service_fresh,
              has_table_privilege('anon', 'dealers', 'SELECT') as anon_dealers,
              has_table_privilege('service_role', 'dealers', 'SELECT') as service_dealers`,
    )
    expect(rights).toEqual({
      anon_fresh: true,
      service_fresh: true,
      anon_dealers: false,
      service_dealers: true,
    })
  })
})
