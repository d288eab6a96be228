/** A TypeScript team's project: both entries' types resolve through package.json `exports`. */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fail } from '../failure.js'
import { secs } from '../format.js'
import { describe, run } from '../run.js'
import { repo } from '../settings.js'
import { step } from '../step.js'

/** A TypeScript team's view: both entries through package.json `exports` ("types"), strict, NodeNext. */
const consumerTs = `import { Dealers, supabaseSync, type SupabaseSyncOptions } from 'payload-plugin-supabase-sync'
import { SyncHealth } from 'payload-plugin-supabase-sync/rsc'

const options: SupabaseSyncOptions = { writeMode: 'rpc', syncOnInit: true }
export const plugin = supabaseSync(options)
export const slug: string = Dealers.slug
export const panel: (...args: Parameters<typeof SyncHealth>) => ReturnType<typeof SyncHealth> = SyncHealth
`
const consumerTsconfig = {
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  },
  files: ['consumer.ts'],
}

export async function checkTypeScriptConsumer(
  projectDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await step(
    'TypeScript consumer (NodeNext): types of both entries resolve',
    async () => {
      await fs.writeFile(path.join(projectDir, 'consumer.ts'), consumerTs)
      await fs.writeFile(
        path.join(projectDir, 'tsconfig.json'),
        JSON.stringify(consumerTsconfig, null, 2) + '\n',
      )
      // TypeScript is the team's own, not the package's: the repo's compiler does.
      const r = await run(
        process.execPath,
        [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', projectDir],
        { cwd: projectDir, env, timeoutMs: 60_000 },
      )
      if (r.code !== 0) fail(describe('tsc -p <project> (consumer.ts)', r))
      return {
        detail: `tsc: consumer.ts type-checks against dist/index.d.ts and dist/exports/rsc.d.ts in ${secs(r.ms)}`,
      }
    },
    false,
  )
}
