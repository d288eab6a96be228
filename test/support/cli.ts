/**
 * The plugin's command as an operator runs it (`npx payload supabase-sync …`), in a child process
 * against a test's stack, with the dev app's config: its exit code and output, also when it fails.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import type { LocalStack } from '../../dev/stack.js'

const run = promisify(execFile)

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

const commandEnv = (stack: LocalStack): NodeJS.ProcessEnv => ({
  ...process.env,
  PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
  DATABASE_URI: stack.databaseUri,
  SUPABASE_URL: stack.supabaseUrl,
  SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
  NODE_ENV: 'development',
})

export function supabaseSyncCommand(stack: LocalStack, ...args: string[]): Promise<CommandResult> {
  return run(process.execPath, ['node_modules/payload/bin.js', 'supabase-sync', ...args], {
    env: commandEnv(stack),
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

/** The command running, to signal (Ctrl-C is SIGINT): its stderr so far, and its exit code once it ends. */
export interface RunningCommand {
  child: ChildProcess
  stderr(): string
  exited: Promise<number | null>
}

export function startSupabaseSyncCommand(stack: LocalStack, ...args: string[]): RunningCommand {
  const child = spawn(process.execPath, ['node_modules/payload/bin.js', 'supabase-sync', ...args], {
    env: commandEnv(stack),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdout?.resume()
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stderr: () => stderr, exited }
}
