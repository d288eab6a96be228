/**
 * `doctor`'s warnings: findings printed with their fix that do not fail it (exit 0). The plugin's
 * request deadline (timeoutMs, 15 s by default) against the statement timeout the service role's
 * requests run under (the stand-in's 8 s, hosted Supabase's): read as PostgREST runs a request, so the
 * role's own setting — the fix — counts. With the apply function (the default) that is as designed, a
 * pass; under writeMode 'upsert' nothing ends a write before the statement timeout, a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { printDoctor } from '../src/ops/cli-print.js'
import { doctor } from '../src/ops/doctor.js'
import { startApp, startPayload, type TestApp } from './support/app.js'
import { supabaseSyncCommand } from './support/cli.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
})
afterAll(async () => {
  await app?.close()
})

const cli = (...args: string[]) => supabaseSyncCommand(app.stack, ...args)

const timeoutCheck = async (payload = upsert) =>
  (await doctor(payload)).checks.find((c) => c.name === 'statement timeout')
/** The SQL of a check's fix (the lines after its first). */
const fixSql = (fix: string | undefined) => (fix ?? '').split('\n').slice(1).join('\n')

let upsert: TestApp['payload']
beforeAll(async () => {
  upsert = (await startPayload(app.stack, { sync: { syncOnInit: false, writeMode: 'upsert' } }))
    .payload
})
afterAll(async () => {
  await upsert?.destroy()
})

describe('doctor: the statement timeout', () => {
  it('with the apply function, a longer timeoutMs is as designed: a pass that says why, no warning', async () => {
    expect(await timeoutCheck(app.payload)).toEqual({
      name: 'statement timeout',
      ok: true,
      detail: expect.stringMatching(
        /^Supabase cancels a request after 8 s, the plugin waits up to 15 s \(timeoutMs\): the apply function ends a write before the statement timeout/,
      ),
    })
    const viaCli = await cli('doctor')
    expect(viaCli.code).toBe(0)
    expect(viaCli.stdout).toMatch(/^✓ statement timeout: Supabase cancels a request after 8 s/m)
    expect(viaCli.stdout).not.toMatch(/^!/m)
  }, 90_000)

  it("under writeMode 'upsert', warns: printed with its fix and marked !, and doctor still passes", async () => {
    const result = await doctor(upsert)
    expect(result.ok).toBe(true)
    expect(result.checks.find((c) => c.name === 'statement timeout')).toMatchObject({
      ok: true,
      warning: true,
      detail: expect.stringMatching(
        /^Supabase cancels a request after 8 s .*, the plugin waits up to 15 s \(timeoutMs\)/,
      ),
      fix: expect.stringMatching(/^set the plugin's timeoutMs to 8000 or less/),
    })
    const lines: string[] = []
    printDoctor((line = '') => lines.push(line), result)
    const printed = lines.join('\n')
    expect(printed).toMatch(/^! statement timeout: Supabase cancels a request after 8 s/m)
    expect(printed).toMatch(/^ {4}fix: set the plugin's timeoutMs to 8000 or less/m)
    expect(printed).toContain('All checks passed (1 warning: see the lines marked !).')
  })

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
