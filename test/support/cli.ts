/**
 * The plugin's command as an operator runs it (`npx payload supabase-sync …`), in a child process
 * against a test's stack, with the dev app's config: its exit code and output, also when it fails.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { LocalStack } from '../../dev/stack.js'

const run = promisify(execFile)

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export function supabaseSyncCommand(stack: LocalStack, ...args: string[]): Promise<CommandResult> {
  return run(process.execPath, ['node_modules/payload/bin.js', 'supabase-sync', ...args], {
    env: {
      ...process.env,
      PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
      DATABASE_URI: stack.databaseUri,
      SUPABASE_URL: stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
      NODE_ENV: 'development',
    },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  )
}
