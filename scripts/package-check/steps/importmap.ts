/** `payload generate:importmap` in the project finds the dashboard panel the package registers. */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fail } from '../failure.js'
import { indent, secs } from '../format.js'
import { describe, run } from '../run.js'
import { step } from '../step.js'

export async function generateImportMap(projectDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await step(
    'npx payload generate:importmap',
    async () => {
      const r = await run('npx', ['payload', 'generate:importmap'], {
        cwd: projectDir,
        env,
        timeoutMs: 60_000,
      })
      if (r.code !== 0) fail(describe('npx payload generate:importmap', r))
      const file = path.join(projectDir, 'app', '(payload)', 'admin', 'importMap.js')
      const text = await fs
        .readFile(file, 'utf8')
        .catch(() =>
          fail(
            `generate:importmap exited 0 but wrote no ${path.relative(projectDir, file)}\n${describe('npx payload generate:importmap', r)}`,
          ),
        )
      const problems: string[] = []
      if (!/import \{ SyncHealth as \w+ \} from 'payload-plugin-supabase-sync\/rsc'/.test(text))
        problems.push("no `import { SyncHealth as … } from 'payload-plugin-supabase-sync/rsc'`")
      if (!text.includes('"payload-plugin-supabase-sync/rsc#SyncHealth"'))
        problems.push('no "payload-plugin-supabase-sync/rsc#SyncHealth" key')
      if (problems.length)
        fail(`${path.relative(projectDir, file)}: ${problems.join('; ')}\n${indent(text)}`)
      return {
        detail: `exit 0 in ${secs(r.ms)}; ${path.relative(projectDir, file)} maps payload-plugin-supabase-sync/rsc#SyncHealth`,
      }
    },
    false,
  )
}
