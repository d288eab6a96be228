/**
 * The statement timeout requests run under, as on hosted Supabase: PostgREST logs in as
 * `authenticator` (statement_timeout 8 s) and applies only the impersonated role's own settings, so
 * `service_role` runs under 8 s and `anon` under its own 3 s. The stand-in's `statementTimeout`
 * option is the authenticator's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signKey, type KeyRole } from '../dev/postgrest/auth.js'
import { resolveStatementTimeout, startPostgrestServer } from '../dev/postgrest/server.js'
import type { LocalStack } from '../dev/stack.js'
import { sql, startStandin } from './helpers/standin.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startStandin()
  await sql(
    stack,
    `create function timeout_now() returns text language sql stable as $$ select current_setting('statement_timeout') $$;
     create function sleep_for(ms int) returns void language sql as $$ select pg_sleep(ms / 1000.0) $$;
     grant execute on function timeout_now() to anon;`,
  )
})
afterAll(async () => {
  await stack?.stop()
})

async function timeoutAs(url: string, secret: string, role: KeyRole): Promise<unknown> {
  const key = await signKey(secret, role)
  const res = await fetch(`${url}/rest/v1/rpc/timeout_now`, {
    method: 'POST',
    headers: { apikey: key, Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: '{}',
  })
  return res.json()
}

describe('statementTimeout', () => {
  it("is 8 s for service_role by default (the authenticator's); anon has its own 3 s", async () => {
    expect(await timeoutAs(stack.supabaseUrl, stack.jwtSecret, 'service_role')).toBe('8s')
    expect(await timeoutAs(stack.supabaseUrl, stack.jwtSecret, 'anon')).toBe('3s')
  })

  it('cancels a statement past it with 57014 (500), and false leaves the session’s', async () => {
    const secret = 'a-secret-of-at-least-32-characters!!'
    const key = await signKey(secret, 'service_role')
    const short = await startPostgrestServer({
      databaseUri: stack.supabaseDbUri,
      jwtSecret: secret,
      statementTimeout: 100,
    })
    const none = await startPostgrestServer({
      databaseUri: stack.supabaseDbUri,
      jwtSecret: secret,
      statementTimeout: false,
    })
    try {
      const res = await fetch(`${short.url}/rest/v1/rpc/sleep_for`, {
        method: 'POST',
        headers: {
          apikey: key,
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ ms: 2000 }),
      })
      expect(res.status).toBe(500)
      expect(await res.json()).toMatchObject({ code: '57014' })
      expect(await timeoutAs(none.url, secret, 'service_role')).toBe('0')
    } finally {
      await short.close()
      await none.close()
    }
  })

  it('refuses a value PostgreSQL would not take, at start', () => {
    expect(resolveStatementTimeout(undefined)).toBe('8s')
    expect(resolveStatementTimeout(0)).toBeUndefined()
    expect(resolveStatementTimeout('400ms')).toBe('400ms')
    expect(() => resolveStatementTimeout('eight seconds')).toThrow(/statementTimeout/)
    expect(() => resolveStatementTimeout(-1)).toThrow(/statementTimeout/)
  })
})
