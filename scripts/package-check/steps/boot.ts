/** Plain node in the project boots Payload from the package, syncs a dealer to Supabase and renders the dashboard panel (scripts/package-check-project/boot.js). */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fail } from '../failure.js'
import { resultLine, scriptFailure } from '../project-output.js'
import { run } from '../run.js'
import { fixtureDir } from '../settings.js'
import { step } from '../step.js'

export async function bootProject(projectDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await step(
    'plain node: getPayload, create a dealer, its row reaches Supabase, SyncHealth renders',
    async () => {
      for (const f of ['payload.config.js', 'boot.js', 'entries.js', 'forbid-react.js'])
        await fs.copyFile(path.join(fixtureDir, f), path.join(projectDir, f))
      await fs.mkdir(path.join(projectDir, 'app', '(payload)', 'admin'), { recursive: true })
      const r = await run('node', ['boot.js'], { cwd: projectDir, env, timeoutMs: 60_000 })
      if (r.code !== 0) fail(scriptFailure('node boot.js', r))
      const res = resultLine<{
        bootMs: number
        createMs: number
        deliveredMs: number
        dealerId: string
        binScriptPath: string
        syncHealth: { state: string }
      }>(r)
      return {
        detail: `getPayload ${res.bootMs} ms (schema push), create ${res.createMs} ms, row in Supabase ${res.deliveredMs} ms after the create started (dealer ${res.dealerId}); bin scriptPath ${res.binScriptPath}; SyncHealth: ${res.syncHealth.state}`,
      }
    },
    false,
  )
}
