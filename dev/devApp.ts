/**
 * The dev app, as a function: the local stack (embedded PostgreSQL + the PostgREST stand-in), a seed
 * through the Local API (seed.ts), then `next dev` serving Payload's admin from dev/app (next-dev.ts).
 * `npm run dev` (dev/start.ts) and the browser smoke test (dev/smoke-admin.ts) both start it.
 */
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { adminCredentials } from './admin-credentials.js'
import { defaultDataRoot } from './dev-paths.js'
import { startNextDev, type NextDev } from './next-dev.js'
import { seed } from './seed.js'
import { startLocalStack, type LocalStack } from './stack.js'

export { defaultDataRoot, devDir, repoDir } from './dev-paths.js'
export { seedDealers } from './seed-dealers.js'
export { warmUp } from './warm-up.js'

export interface DevAppOptions {
  /** Holds `postgres/` (the embedded cluster) and `dev-admin.json` (the seeded admin's password). */
  dataRoot?: string
  /** Keep the data between runs (default true). */
  persistent?: boolean
  /** The stand-in's port (default 54321, Supabase's local default; 0 picks a free one). */
  supabasePort?: number
  /** Next's port (default 3000). */
  nextPort?: number
  /** The address Next listens on (default 127.0.0.1: the dev admin, with its dev credentials, stays on this machine). */
  nextHost?: string
  /** The admin user to create when there is no user yet (default DEV_ADMIN_EMAIL / DEV_ADMIN_PASSWORD, else dev@example.com and a generated password). */
  admin?: { email: string; password: string }
  /** Seed dealers when there are none (default true). */
  seedDealers?: boolean
  /** Where Next's output goes, line by line (default: this process's stdout, prefixed). */
  onNextOutput?: (line: string) => void
  /** How long to wait for `next dev` to be ready (default 120 s). */
  readyTimeoutMs?: number
}

export interface DevApp {
  stack: LocalStack
  /** e.g. http://localhost:3000 */
  url: string
  adminUrl: string
  admin: { email: string; password: string; created: boolean }
  dealersSeeded: number
  timings: { stackMs: number; seedMs: number; nextReadyMs: number }
  next: ChildProcess
  /** Resolves with Next's exit code when it exits (on its own or by stop()). */
  nextExited: Promise<number | null>
  /** Stops Next (its whole process group) and the stack. Idempotent. */
  stop(): Promise<void>
}

const log = (message: string) => process.stdout.write(`[dev] ${message}\n`)

export async function startDevApp(options: DevAppOptions = {}): Promise<DevApp> {
  const dataRoot = options.dataRoot ?? defaultDataRoot
  const persistent = options.persistent ?? true
  const nextPort = options.nextPort ?? 3000
  const nextHost = options.nextHost ?? '127.0.0.1'
  await fs.mkdir(dataRoot, { recursive: true, mode: 0o755 })
  // As root, PostgreSQL runs as `postgres`, which must reach its data directory.
  await fs.chmod(dataRoot, 0o755)

  let t = Date.now()
  const stack = await startLocalStack({
    supabasePort: options.supabasePort ?? 54321,
    dataDir: path.join(dataRoot, 'postgres'),
    persistent,
  })
  const stackMs = Date.now() - t
  try {
    process.env.DATABASE_URI = stack.databaseUri
    process.env.SUPABASE_URL = stack.supabaseUrl
    process.env.SUPABASE_SERVICE_ROLE_KEY = stack.serviceRoleKey

    const admin = options.admin ?? (await adminCredentials(dataRoot, persistent))
    t = Date.now()
    const seeded = await seed(admin, options.seedDealers ?? true)
    const seedMs = Date.now() - t

    t = Date.now()
    const next: NextDev = await startNextDev({
      port: nextPort,
      host: nextHost,
      env: {
        NEXT_TELEMETRY_DISABLED: '1',
        DEV_ADMIN_EMAIL: admin.email,
        DEV_ADMIN_PASSWORD: admin.password,
      },
      onLine: options.onNextOutput ?? ((line: string) => process.stdout.write(`[next] ${line}\n`)),
      readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    })
    const nextReadyMs = Date.now() - t

    let stopping: Promise<void> | undefined
    const url = `http://localhost:${nextPort}`
    return {
      stack,
      url,
      adminUrl: `${url}/admin`,
      admin: { ...admin, created: seeded.adminCreated },
      dealersSeeded: seeded.dealersSeeded,
      timings: { stackMs, seedMs, nextReadyMs },
      next: next.child,
      nextExited: next.exited,
      stop() {
        stopping ??= (async () => {
          await next.stop()
          await stack.stop()
        })()
        return stopping
      },
    }
  } catch (error) {
    // startNextDev has killed Next's group if it got that far.
    await stack.stop()
    throw error
  }
}

export { log as devLog }
