/**
 * `doctor`'s warnings: findings printed with their fix that do not fail it (exit 0). The plugin's
 * request deadline (timeoutMs, 15 s by default) against the statement timeout the service role's
 * requests run under (the stand-in's 8 s, hosted Supabase's): read as PostgREST runs a request, so the
 * role's own setting — the fix — counts.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { doctor } from '../src/ops/doctor.js'
import { startApp, type TestApp } from './support/app.js'

const run = promisify(execFile)
let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
})
afterAll(async () => {
  await app?.close()
})

function cli(...args: string[]) {
  return run(process.execPath, ['node_modules/payload/bin.js', 'supabase-sync', ...args], {
    env: {
      ...process.env,
      PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
      DATABASE_URI: app.stack.databaseUri,
      SUPABASE_URL: app.stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: app.stack.serviceRoleKey,
      NODE_ENV: 'development',
    },
    timeout: 60_000,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
    }),
  )
}

const timeoutCheck = async () =>
  (await doctor(app.payload)).checks.find((c) => c.name === 'statement timeout')
/** The SQL of a check's fix (the lines after its first). */
const fixSql = (fix: string | undefined) => (fix ?? '').split('\n').slice(1).join('\n')

describe('doctor: the statement timeout', () => {
  it('warns when the plugin waits longer than Supabase lets a request run: printed with its fix, exit 0', async () => {
    const result = await doctor(app.payload)
    expect(result.ok).toBe(true)
    expect(result.checks.find((c) => c.name === 'statement timeout')).toMatchObject({
      ok: true,
      warning: true,
      detail: expect.stringMatching(
        /^Supabase cancels a request after 8 s .*, the plugin waits up to 15 s \(timeoutMs\)/,
      ),
      fix: expect.stringMatching(/^set the plugin's timeoutMs to 8000 or less/),
    })
    const viaCli = await cli('doctor')
    expect(viaCli.code).toBe(0)
    expect(viaCli.stdout).toMatch(/^! statement timeout: Supabase cancels a request after 8 s/m)
    expect(viaCli.stdout).toMatch(/^ {4}fix: set the plugin's timeoutMs to 8000 or less/m)
    expect(viaCli.stdout).toContain('All checks passed (1 warning: see the lines marked !).')
  }, 90_000)

  it("reads the service role's own setting: after the fix, no warning", async () => {
    const warned = await timeoutCheck()
    expect(fixSql(warned?.fix)).toBe(
      "alter role service_role set statement_timeout = '15s';\nnotify pgrst, 'reload config';",
    )
    await app.supabase.query(fixSql(warned?.fix))
    try {
      expect(await timeoutCheck()).toEqual({
        name: 'statement timeout',
        ok: true,
        detail: 'Supabase lets a request run 15 s, the plugin waits 15 s (timeoutMs)',
      })
    } finally {
      await app.supabase.query('alter role service_role reset statement_timeout')
    }
  })
})
