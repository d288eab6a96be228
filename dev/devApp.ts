/**
 * The dev app, as a function: the local stack (embedded PostgreSQL + the PostgREST stand-in), a seed
 * through the Local API, then `next dev` serving Payload's admin from dev/app. `npm run dev`
 * (dev/start.ts) and the browser smoke test (dev/smoke-admin.ts) both start it.
 *
 * The seed runs in this process on a short-lived Payload (which also pushes the schema), waits until the
 * plugin delivered what it queued, and is destroyed before Next starts its own Payload: only one
 * Payload at a time runs the plugin's queue.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Payload } from 'payload'
import { startLocalStack, type LocalStack } from './stack.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const devDir = here
export const repoDir = path.resolve(here, '..')
/** Where `npm run dev` keeps its data between runs (gitignored). */
export const defaultDataRoot = path.join(here, '.data')

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

export const seedDealers = [
  {
    name: 'Northside Motors',
    slug: 'northside-motors',
    domain: 'northside-motors.example',
    platforms: ['homenet', 'dealer_com'],
    homenet_config: {
      rooftop_id: 'RT-1001',
      feed_url: 'https://feeds.example/homenet/rt-1001.csv',
    },
    dealer_com_config: { account: 'northside', region: 'us-east' },
    utm_config: { source: 'dealer-site', medium: 'organic' },
  },
  {
    name: 'Lakeview Auto Group',
    slug: 'lakeview-auto',
    domain: 'lakeview-auto.example',
    platforms: ['vinsolutions'],
    homenet_config: {},
    vinsolutions_config: { dealerId: 4711 },
  },
  {
    name: 'Summit Trucks',
    slug: 'summit-trucks',
    domain: null,
    platforms: ['custom'],
    homenet_config: {},
    custom_config: { endpoint: 'https://summit.example/api/inventory', auth: 'none' },
  },
]

/** The admin's credentials: from the environment, else the ones saved in the data root, else new ones (saved there). */
async function adminCredentials(
  dataRoot: string,
  persistent: boolean,
): Promise<{ email: string; password: string }> {
  const email = process.env.DEV_ADMIN_EMAIL || 'dev@example.com'
  if (process.env.DEV_ADMIN_PASSWORD) return { email, password: process.env.DEV_ADMIN_PASSWORD }
  const file = path.join(dataRoot, 'dev-admin.json')
  try {
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as {
      email?: string
      password?: string
    }
    if (saved.password && (saved.email ?? email) === email)
      return { email, password: saved.password }
  } catch {
    // none saved yet
  }
  const password = `dev-${randomBytes(9).toString('base64url')}`
  if (persistent)
    await fs.writeFile(file, JSON.stringify({ email, password }, null, 2) + '\n', { mode: 0o600 })
  return { email, password }
}

async function seed(
  admin: { email: string; password: string },
  withDealers: boolean,
): Promise<{ adminCreated: boolean; dealersSeeded: number }> {
  // Outside Next.js: no HMR websocket. Only for this Payload; Next's process gets its own environment.
  process.env.DISABLE_PAYLOAD_HMR = 'true'
  const { getPayload } = await import('payload')
  const { whenIdle } = await import('../src/index.js')
  const { default: configPromise } = await import('./payload.config.js')
  let payload: Payload | undefined
  try {
    payload = await getPayload({ config: await configPromise, key: 'dev-seed' })
    let adminCreated = false
    const users = await payload.count({ collection: 'users', overrideAccess: true })
    if (users.totalDocs === 0) {
      await payload.create({
        collection: 'users',
        data: { email: admin.email, password: admin.password },
        overrideAccess: true,
      })
      adminCreated = true
    }
    let dealersSeeded = 0
    const dealers = await payload.count({ collection: 'dealers', overrideAccess: true })
    if (withDealers && dealers.totalDocs === 0) {
      for (const data of seedDealers) {
        await payload.create({ collection: 'dealers', data: data as never, overrideAccess: true })
        dealersSeeded++
      }
    }
    // The plugin's startup reconcile and the jobs the seed queued: delivered before this Payload goes.
    await whenIdle(payload)
    return { adminCreated, dealersSeeded }
  } finally {
    delete process.env.DISABLE_PAYLOAD_HMR
    if (payload) {
      await payload.destroy()
      // destroy() leaves the pg pool open, and pool.end() can wait on a client that is never released.
      const pool = (
        payload.db as unknown as {
          pool?: { on(e: string, f: () => void): void; end(): Promise<void> }
        }
      ).pool
      if (pool) {
        pool.on('error', () => {})
        await Promise.race([
          pool.end().catch(() => {}),
          new Promise((r) => setTimeout(r, 1_000).unref()),
        ])
      }
    }
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buffer += chunk
    let i: number
    while ((i = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, i))
      buffer = buffer.slice(i + 1)
    }
  })
  stream.on('end', () => {
    if (buffer) onLine(buffer)
  })
}

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
  let next: ChildProcess | undefined
  try {
    process.env.DATABASE_URI = stack.databaseUri
    process.env.SUPABASE_URL = stack.supabaseUrl
    process.env.SUPABASE_SERVICE_ROLE_KEY = stack.serviceRoleKey

    const admin = options.admin ?? (await adminCredentials(dataRoot, persistent))
    t = Date.now()
    const seeded = await seed(admin, options.seedDealers ?? true)
    const seedMs = Date.now() - t

    t = Date.now()
    const nextBin = path.join(repoDir, 'node_modules', '.bin', 'next')
    // webpack, not Turbopack: the plugin's sources import './x.js' for './x.ts' (NodeNext), which only
    // webpack's resolve.extensionAlias maps (next.config.mjs); Turbopack in Next 16.4 has no such option.
    next = spawn(
      nextBin,
      ['dev', '--webpack', '--hostname', nextHost, '--port', String(nextPort)],
      {
        cwd: here,
        // Its own process group, so that stop() ends `next dev` and the server it forks together.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NEXT_TELEMETRY_DISABLED: '1',
          DEV_ADMIN_EMAIL: admin.email,
          DEV_ADMIN_PASSWORD: admin.password,
        },
      },
    )
    const child = next
    const killGroup = (signal: NodeJS.Signals, evenAfterExit = false) => {
      if (child.pid && (evenAfterExit || (child.exitCode === null && child.signalCode === null))) {
        try {
          process.kill(-child.pid, signal)
        } catch {
          // already gone
        }
      }
    }
    // Whatever ends this process, Next does not outlive it.
    const onExit = () => killGroup('SIGKILL')
    process.on('exit', onExit)
    const nextExited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )

    const onLine =
      options.onNextOutput ?? ((line: string) => process.stdout.write(`[next] ${line}\n`))
    let markReady: () => void = () => {}
    const ready = new Promise<void>((resolve) => (markReady = resolve))
    const watch = (line: string) => {
      onLine(line)
      if (/\bReady in\b/.test(line)) markReady()
    }
    lines(child.stdout!, watch)
    lines(child.stderr!, watch)

    let readyTimer: NodeJS.Timeout | undefined
    await Promise.race([
      ready,
      nextExited.then((code) =>
        Promise.reject(new Error(`next dev exited with code ${code} before it was ready`)),
      ),
      new Promise((_, reject) => {
        readyTimer = setTimeout(
          () => reject(new Error('next dev was not ready in time')),
          options.readyTimeoutMs ?? 120_000,
        )
      }),
    ]).finally(() => clearTimeout(readyTimer))
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
      next: child,
      nextExited,
      stop() {
        stopping ??= (async () => {
          killGroup('SIGTERM')
          const timer = setTimeout(() => killGroup('SIGKILL'), 5_000)
          await nextExited
          clearTimeout(timer)
          // The forked server may still be finishing: make sure the group is gone.
          killGroup('SIGKILL', true)
          process.off('exit', onExit)
          await stack.stop()
        })()
        return stopping
      },
    }
  } catch (error) {
    if (next?.pid) {
      try {
        process.kill(-next.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await stack.stop()
    throw error
  }
}

/** Requests `path` once so that Next compiles it; resolves with the time it took. */
export async function warmUp(
  url: string,
  timeoutMs = 180_000,
): Promise<{ ms: number; status: number }> {
  const t = Date.now()
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  await res.arrayBuffer()
  return { ms: Date.now() - t, status: res.status }
}

export { log as devLog }
