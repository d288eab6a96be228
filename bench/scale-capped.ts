/**
 * One reconcile of every dealer into an empty table, in a process with V8 flags of the parent's
 * choosing — a heap capped as a container's would be (`--max-old-space-size`), or V8 told to collect
 * its old generation sooner (`--heap-growing-percent`): the scale bench forks it beside the stack and
 * the stand-in it already runs, and prints what it measures.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LocalStack } from '../dev/stack.js'
import type { Measurement } from './memory.js'

type Result = Omit<Measurement<unknown>, 'value'> & { upserted: number }

/** Forks this file with these V8 flags; resolves with its measurement. */
export async function reconcileWithFlags(
  target: Pick<LocalStack, 'databaseUri' | 'supabaseUrl' | 'serviceRoleKey'>,
  flags: string[],
): Promise<Result> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...flags],
    env: {
      ...process.env,
      CAPPED_DATABASE_URI: target.databaseUri,
      CAPPED_SUPABASE_URL: target.supabaseUrl,
      CAPPED_SERVICE_ROLE_KEY: target.serviceRoleKey,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise<Result>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Result))
    child.once('exit', (code) =>
      reject(new Error(`the reconcile with ${flags.join(' ')} exited (${code})`)),
    )
  })
}

async function runChild(): Promise<void> {
  const [{ startPayload }, { getRuntime, syncedCollection }, { reconcileDeps }, { reconcile }] =
    await Promise.all([
      import('../test/support/app.js'),
      import('../src/lifecycle/registry.js'),
      import('../src/lifecycle/deps.js'),
      import('../src/reconcile/reconcile.js'),
    ])
  const { measure } = await import('./memory.js')
  const stack = {
    databaseUri: process.env.CAPPED_DATABASE_URI!,
    supabaseUrl: process.env.CAPPED_SUPABASE_URL!,
    serviceRoleKey: process.env.CAPPED_SERVICE_ROLE_KEY!,
  } as LocalStack
  const { payload } = await startPayload(stack, {
    sync: { syncOnInit: false, queue: { sweepInterval: false, runAfterCommit: false } },
  })
  const runtime = getRuntime(payload)
  const m = await measure(undefined, () =>
    reconcile(reconcileDeps(runtime), syncedCollection(runtime)),
  )
  const { value, ...figures } = m
  process.send!({ ...figures, requests: value.requests, upserted: value.upserted } satisfies Result)
  await payload.destroy()
  process.exit(0)
}

if (process.argv.includes('--child')) await runChild()
