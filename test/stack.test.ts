/**
 * The local stack's lifecycle: it starts and stops cleanly (also twice in a row and two at once),
 * with Realtime streaming (a subscription joined, its replication slot active), leaves no PostgreSQL
 * process and no temporary directory behind, and lets the process exit.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { eventually, rest, sql, supabaseClient } from './helpers/standin.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface PostgresProcess {
  pid: number
  dataDir: string
  /** The temporary directory the stack made around the data directory. */
  tempRoot: string
}

/** Finds the postmaster serving `uri` (by its `-p <port>` argument) in /proc. */
async function findPostgres(uri: string): Promise<PostgresProcess> {
  const port = new URL(uri).port
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const args = await fs
      .readFile(`/proc/${entry}/cmdline`, 'utf8')
      .then((s) => s.split('\0'))
      .catch(() => [] as string[])
    const p = args.indexOf('-p')
    const d = args.indexOf('-D')
    if (p >= 0 && args[p + 1] === port && d >= 0 && path.basename(args[0]) === 'postgres') {
      const dataDir = args[d + 1]
      return { pid: Number(entry), dataDir, tempRoot: path.dirname(dataDir) }
    }
  }
  throw new Error(`no postgres process listens on port ${port}`)
}

/** Every live process whose command line mentions `dir` or whose parent is `pid`. */
async function leftovers(pid: number, dir: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const [cmdline, status] = await Promise.all([
      fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      fs.readFile(`/proc/${entry}/status`, 'utf8').catch(() => ''),
    ])
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1])
    if (Number(entry) === pid || ppid === pid || cmdline.includes(dir)) found.push(Number(entry))
  }
  return found
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  )
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/rest/v1/dealers`)
    return false
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
  }
}

/**
 * A Realtime socket with one postgres_changes subscription on `dealers`, once it is subscribed (the
 * replication slot exists then); `closed` resolves when the server closes the socket.
 */
async function subscribeRealtime(stack: LocalStack): Promise<{ closed: Promise<number> }> {
  await sql(
    stack,
    `do $$ begin
       alter publication supabase_realtime add table public.dealers;
     exception when duplicate_object then null; end $$`,
  )
  const ws = new WebSocket(
    `${stack.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${stack.serviceRoleKey}&vsn=2.0.0`,
  )
  const closed = new Promise<number>((resolve) => ws.once('close', resolve))
  let subscribed = false
  ws.on('message', (data) => {
    const [, , , event, payload] = JSON.parse(data.toString())
    if (event === 'system' && payload.status === 'ok') subscribed = true
  })
  ws.on('error', () => {})
  await new Promise((resolve) => ws.once('open', resolve))
  const entry = { event: '*', schema: 'public', table: 'dealers' }
  ws.send(
    JSON.stringify(['1', '1', 'realtime:t', 'phx_join', { config: { postgres_changes: [entry] } }]),
  )
  await eventually(() => subscribed, 'the subscription')
  const [slot] = await sql(stack, 'select active from pg_replication_slots where slot_name = $1', [
    stack.realtime.slotName,
  ])
  expect(slot).toEqual({ active: true })
  return { closed }
}

/** Starts a stack, checks it serves, stops it and checks nothing is left. */
async function roundTrip(): Promise<void> {
  const stack: LocalStack = await startLocalStack()
  const pg = await findPostgres(stack.supabaseDbUri)
  let realtime: { closed: Promise<number> } | undefined
  try {
    expect(pg.tempRoot).toMatch(/supabase-sync-pg-/)
    expect(stack.maxRows).toBe(1000) // hosted Supabase's default
    expect(await exists(pg.dataDir)).toBe(true)
    const { error, status } = await supabaseClient(stack).from('dealers').select('id')
    expect(error).toBeNull()
    expect(status).toBe(200)
    realtime = await subscribeRealtime(stack)
  } finally {
    await stack.stop()
  }
  // The socket was cut by the stop (1006: no close frame, as when a server goes away).
  expect(await realtime?.closed).toBe(1006)
  expect(stack.realtime.status()).toMatchObject({ replication: 'stopped', sockets: 0 })
  expect(await leftovers(pg.pid, pg.dataDir)).toEqual([])
  expect(await exists(pg.tempRoot)).toBe(false)
  expect(await refused(stack.supabaseUrl)).toBe(true)
  await stack.stop() // idempotent
}

describe('startLocalStack / stop', () => {
  it('starts and stops cleanly', async () => {
    await roundTrip()
  })

  it('starts and stops twice in a row', async () => {
    await roundTrip()
    await roundTrip()
  })

  it('runs two stacks in parallel, each with its own PostgreSQL, port and keys', async () => {
    const [a, b] = await Promise.all([startLocalStack(), startLocalStack()])
    const [pgA, pgB] = await Promise.all([
      findPostgres(a.supabaseDbUri),
      findPostgres(b.supabaseDbUri),
    ])
    try {
      expect(a.supabaseUrl).not.toBe(b.supabaseUrl)
      expect(pgA.dataDir).not.toBe(pgB.dataDir)
      expect(a.serviceRoleKey).not.toBe(b.serviceRoleKey)
      expect(a.realtime.slotName).not.toBe(b.realtime.slotName)
      await Promise.all([subscribeRealtime(a), subscribeRealtime(b)])
      // A key of one stack is worthless on the other.
      expect((await rest(a, 'dealers')).status).toBe(200)
      expect((await rest(b, 'dealers', { key: a.serviceRoleKey })).status).toBe(401)
      await supabaseClient(a).from('dealers').insert({
        id: '00000000-0000-4000-8000-000000000001',
        name: 'A',
        slug: 'a',
        created_at: '2024-01-01T00:00:00Z',
      })
      expect((await rest(b, 'dealers')).json).toEqual([])
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
    for (const pg of [pgA, pgB]) {
      expect(await leftovers(pg.pid, pg.dataDir)).toEqual([])
      expect(await exists(pg.tempRoot)).toBe(false)
    }
  })

  it('lets the process exit on its own after stop() (no open handle left)', async () => {
    const script = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'stack-exit-')), 'run.mts')
    await fs.writeFile(
      script,
      `import { startLocalStack } from ${JSON.stringify(path.join(root, 'dev/stack.ts'))}
       import { supabaseClient } from ${JSON.stringify(path.join(root, 'test/helpers/standin.ts'))}
       import WebSocket from ${JSON.stringify(path.join(root, 'node_modules/ws/wrapper.mjs'))}
       // The process's own stdio handles are there from the start; only what comes later counts.
       void process.stdout, process.stderr
       const baseline = process.getActiveResourcesInfo()
       const leaked = () => {
         const left = process.getActiveResourcesInfo()
         for (const r of baseline) left.splice(left.indexOf(r), left.includes(r) ? 1 : 0)
         return left
       }
       const stack = await startLocalStack()
       const supabase = supabaseClient(stack)
       await supabase.from('dealers').select('id')
       await stack.faults.down()
       await stack.faults.up()
       await supabase.from('dealers').select('id')
       // A request held and one waiting out an hour of latency must not keep the process alive.
       stack.faults.latency(3_600_000)
       const hold = stack.faults.hold({ path: 'dealers', method: 'POST' })
       const post = (method) => fetch(stack.supabaseUrl + '/rest/v1/dealers', { method, headers: { apikey: stack.serviceRoleKey } }).then(() => 'answered', () => 'network error')
       const held = post('POST')
       await hold.arrived
       const slow = post('GET')
       // A Realtime subscription (replication streaming) and a delayed change must not either.
       const ws = new WebSocket(stack.supabaseUrl.replace('http', 'ws') + '/realtime/v1/websocket?vsn=2.0.0&apikey=' + stack.serviceRoleKey)
       const closed = new Promise((resolve) => ws.once('close', resolve))
       ws.on('error', () => {})
       let subscribed = false
       ws.on('message', (data) => { if (JSON.parse(data.toString())[3] === 'system') subscribed = true })
       await new Promise((resolve) => ws.once('open', resolve))
       ws.send(JSON.stringify(['1', '1', 'realtime:x', 'phx_join', { config: { postgres_changes: [{ event: '*', schema: 'public' }] } }]))
       while (!subscribed) await new Promise((resolve) => setTimeout(resolve, 5))
       stack.faults.delayEvents(3_600_000)
       await stack.stop()
       await closed
       if ((await held) !== 'network error') throw new Error('the held request was answered')
       await slow
       // After a tick nothing may be left: no socket, no pool client, no timer.
       setImmediate(() => console.log(JSON.stringify(leaked())))`,
    )
    try {
      // execFile resolves when the process has exited by itself; the timeout only turns a hang into
      // a failure (the process is killed and execFile rejects), it measures nothing.
      const { stdout } = await promisify(execFile)(
        path.join(root, 'node_modules/.bin/tsx'),
        [script],
        { cwd: root, timeout: 50_000 },
      )
      expect(stdout.trim()).toBe('[]')
    } finally {
      await fs.rm(path.dirname(script), { recursive: true, force: true })
    }
  })
})
