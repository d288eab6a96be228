/**
 * The PostgREST stand-in in a process of its own, over an existing stack's databases. The scale bench
 * measures the app's memory: in production Supabase is another machine, and the stand-in's own parsing
 * of 100,000 rows would otherwise count as the plugin's peak RSS. Run as a child (`fork`), it answers
 * `latency`, `resetStats` and `stats` over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RequestStats } from '../dev/postgrest/stats.js'
import type { LocalStack } from '../dev/stack.js'

type Command = { id: number } & ({ latency: number } | { resetStats: true } | { stats: true })
type Reply = { id: number; stats?: RequestStats }

export interface StandinProcess {
  supabaseUrl: string
  serviceRoleKey: string
  latency(ms: number): Promise<void>
  resetStats(): Promise<void>
  stats(): Promise<RequestStats>
  stop(): Promise<void>
}

export async function startStandinProcess(stack: LocalStack): Promise<StandinProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      STANDIN_DB: stack.databaseUri,
      STANDIN_SUPABASE_DB: stack.supabaseDbUri,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; key: string }))
    child.once('exit', (code) => reject(new Error(`the stand-in process exited (${code})`)))
  })
  let next = 0
  const ask = (command: Record<string, unknown>) =>
    new Promise<Reply>((resolve) => {
      const id = ++next
      const listen = (m: unknown) => {
        if ((m as Reply).id !== id) return
        child.off('message', listen)
        resolve(m as Reply)
      }
      child.on('message', listen)
      child.send({ id, ...command })
    })
  return {
    supabaseUrl: ready.url,
    serviceRoleKey: ready.key,
    latency: async (ms) => void (await ask({ latency: ms })),
    resetStats: async () => void (await ask({ resetStats: true })),
    stats: async () => (await ask({ stats: true })).stats!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

async function runChild(): Promise<void> {
  const { startLocalStack } = await import('../dev/stack.js')
  const stack = await startLocalStack({
    databaseUri: process.env.STANDIN_DB,
    supabaseDbUri: process.env.STANDIN_SUPABASE_DB,
    applySql: false,
  })
  process.on('SIGTERM', () => void stack.stop().finally(() => process.exit(0)))
  process.on('disconnect', () => void stack.stop().finally(() => process.exit(0)))
  process.on('message', (m: Command) => {
    if ('latency' in m) stack.faults.latency(m.latency)
    if ('resetStats' in m) stack.resetStats()
    process.send!({ id: m.id, ...('stats' in m ? { stats: stack.stats() } : {}) } satisfies Reply)
  })
  process.send!({ url: stack.supabaseUrl, key: stack.serviceRoleKey })
}

if (process.argv.includes('--child')) await runChild()
