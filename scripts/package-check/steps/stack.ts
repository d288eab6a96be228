/**
 * The repo's local stack (dev/stack.ts: the test harness, not part of the package), started while
 * the package is built and installed (it needs nothing of them), then given the SQL the installed
 * package ships.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { applySqlFiles, startLocalStack, type LocalStack } from '../../../dev/stack.js'
import { cleanEnv } from '../child-env.js'
import { cleanups } from '../cleanup.js'
import { secs } from '../format.js'
import { pkgName } from '../settings.js'
import { keepSignalsToOurselves } from '../signals.js'
import { step } from '../step.js'

export interface StackAlongside {
  promise: Promise<LocalStack>
  /** How long it took to be ready (0 until then). */
  readyMs(): number
}

export function startStackAlongside(): StackAlongside {
  let stack: LocalStack | undefined
  const stackStart = performance.now()
  let stackReadyMs = 0
  const stackPromise = startLocalStack({ applySql: false }).then((s) => {
    keepSignalsToOurselves()
    stack = s
    stackReadyMs = performance.now() - stackStart
    return s
  })
  stackPromise.catch(() => {})
  cleanups.unshift(async () => {
    const s = stack ?? (await stackPromise.catch(() => undefined))
    await s?.stop()
  })
  return { promise: stackPromise, readyMs: () => stackReadyMs }
}

/** Applies the installed package's sql/ and resolves with the environment the project's commands run in. */
export async function applyShippedSql(
  stack: StackAlongside,
  projectDir: string,
): Promise<NodeJS.ProcessEnv> {
  return (await step('local stack + the SQL the tarball ships', async () => {
    const s = await stack.promise
    const sqlDir = path.join(projectDir, 'node_modules', pkgName, 'sql')
    const applied = await applySqlFiles(s.supabaseDbUri, sqlDir)
    const vars = {
      NODE_ENV: 'development',
      DISABLE_PAYLOAD_HMR: 'true',
      PAYLOAD_CONFIG_PATH: path.join(projectDir, 'payload.config.js'),
      PAYLOAD_SECRET: randomBytes(24).toString('hex'),
      DATABASE_URI: s.databaseUri,
      SUPABASE_URL: s.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: s.serviceRoleKey,
      SUPABASE_DB_URI: s.supabaseDbUri,
    }
    return {
      value: cleanEnv(vars),
      detail: `PostgreSQL + PostgREST stand-in at ${s.supabaseUrl} (ready in ${secs(stack.readyMs())}, alongside the build); applied ${applied.join(', ')} from the installed package`,
    }
  }))!
}
