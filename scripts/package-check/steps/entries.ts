/** Both entry points imported under plain node; the main one must not pull React in (scripts/package-check-project/entries.js). */
import { fail } from '../failure.js'
import { resultLine, scriptFailure } from '../project-output.js'
import { run } from '../run.js'
import { pkgName } from '../settings.js'
import { step } from '../step.js'

export async function importEntries(projectDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await step(
    'plain node: import the main entry (without React) and payload-plugin-supabase-sync/rsc',
    async () => {
      const main = await run('node', ['--import', './forbid-react.js', 'entries.js', 'main'], {
        cwd: projectDir,
        env,
        timeoutMs: 30_000,
      })
      if (main.code !== 0) fail(scriptFailure(`import('${pkgName}')`, main))
      const rsc = await run('node', ['entries.js', 'rsc'], {
        cwd: projectDir,
        env,
        timeoutMs: 30_000,
      })
      if (rsc.code !== 0) fail(scriptFailure(`import('${pkgName}/rsc')`, rsc))
      const m = resultLine<{ exports: number }>(main)
      const r = resultLine<{ exports: string[] }>(rsc)
      return {
        detail: `main: ${m.exports} exports, no react import; /rsc: ${r.exports.join(', ')}`,
      }
    },
    false,
  )
}
