/** The bin command a team runs: `payload supabase-sync status` and `validate`, the latter also without tsx. */
import { fail } from '../failure.js'
import { secs } from '../format.js'
import { describe, run } from '../run.js'
import { step } from '../step.js'

export async function runCliCommands(projectDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await step(
    'npx payload supabase-sync status',
    async () => {
      const r = await run('npx', ['payload', 'supabase-sync', 'status'], {
        cwd: projectDir,
        env,
        timeoutMs: 60_000,
      })
      if (r.code !== 0) fail(describe('npx payload supabase-sync status', r))
      const problems: string[] = []
      if (!/^Supabase: reachable \(\d+ ms\)$/m.test(r.stdout))
        problems.push('no "Supabase: reachable" line')
      if (!/^dealers → dealers: 1 documents, 1 rows$/m.test(r.stdout))
        problems.push('no "dealers → dealers: 1 documents, 1 rows" line')
      if (!/^sync jobs: 0 pending \(0 retrying\), 0 processing, 0 failed/m.test(r.stdout))
        problems.push('sync jobs are not all done')
      if (problems.length)
        fail(`${problems.join('; ')}\n${describe('npx payload supabase-sync status', r)}`)
      return { detail: `exit 0 in ${secs(r.ms)}: ${r.stdout.trim().split('\n').join(' | ')}` }
    },
    false,
  )

  for (const variant of [[], ['--disable-transpile']]) {
    const cmd = ['payload', ...variant, 'supabase-sync', 'validate']
    await step(
      `npx ${cmd.join(' ')}`,
      async () => {
        const r = await run('npx', cmd, { cwd: projectDir, env, timeoutMs: 60_000 })
        if (r.code !== 0)
          fail(
            `${r.code === 1 ? 'drift after the dealer was delivered: ' : ''}${describe(`npx ${cmd.join(' ')}`, r)}`,
          )
        if (!/^dealers: 1 documents, 1 rows in Supabase — IN SYNC \(\d+ ms\)$/m.test(r.stdout))
          fail(
            `exit 0 but no "dealers: 1 documents, 1 rows in Supabase — IN SYNC" line\n${describe(`npx ${cmd.join(' ')}`, r)}`,
          )
        return { detail: `exit 0 in ${secs(r.ms)}: ${r.stdout.trim()}` }
      },
      false,
    )
  }
}
