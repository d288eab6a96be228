/** Spawning and driving test/support/child-app.ts processes. */
import { spawn, type ChildProcess } from 'node:child_process'
import readline from 'node:readline'
import type { LocalStack } from '../../dev/stack.js'

export interface ChildCommand {
  collection?: string
  id?: string
  ids?: string[]
  data?: Record<string, unknown>
  options?: Record<string, unknown>
}

export type ChildOp =
  | 'create'
  | 'update'
  | 'delete'
  | 'updateMany'
  | 'deleteMany'
  | 'pull'
  | 'sync'
  | 'watch'
  | 'startup'
  | 'idle'

export interface ChildApp {
  process: ChildProcess
  /** Runs one command in the child; resolves with the document id. */
  send(op: 'create' | 'update' | 'delete', args: ChildCommand): Promise<string>
  /** Runs one command in the child; resolves with its whole answer. */
  call(op: ChildOp, args: ChildCommand): Promise<{ id?: string; result?: unknown }>
  kill(signal?: NodeJS.Signals): Promise<void>
}

export async function startChild(
  stack: LocalStack,
  sync: Record<string, unknown> = {},
  config?: 'convergence' | 'convergence-pull',
): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/child-app.ts'], {
    env: {
      ...process.env,
      DATABASE_URI: stack.databaseUri,
      SUPABASE_URL: stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
      SYNC_OPTIONS: JSON.stringify(sync),
      ...(config ? { CHILD_CONFIG: config } : {}),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const pending = new Map<
    number,
    { resolve: (answer: { id?: string; result?: unknown }) => void; reject: (e: Error) => void }
  >()
  let n = 0
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      for (const waiter of pending.values())
        waiter.reject(new Error('child process exited (terminated)'))
      pending.clear()
      resolve()
    }),
  )
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)))
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const message = JSON.parse(line) as {
        ready?: boolean
        n?: number
        ok?: boolean
        id?: string
        result?: unknown
        error?: string
      }
      if (message.ready) return resolve()
      const waiter = pending.get(message.n!)
      pending.delete(message.n!)
      if (message.ok) waiter?.resolve({ id: message.id, result: message.result })
      else waiter?.reject(new Error(message.error))
    })
  })
  await ready
  const app: ChildApp = {
    process: child,
    call(op, args) {
      const id = ++n
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return reject(new Error('child process exited (terminated)'))
        pending.set(id, { resolve, reject })
        child.stdin!.write(`${JSON.stringify({ n: id, op, ...args })}\n`)
      })
    },
    async send(op, args) {
      return String((await app.call(op, args)).id)
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
  return app
}
