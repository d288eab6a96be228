/**
 * One local stack and one Payload with the plugin, per test file (vitest isolates files in forks).
 * Logs are captured as JSON lines so that tests can assert on them.
 */
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import pg from 'pg'
import { getPayload, type Payload } from 'payload'
import pino from 'pino'
import { devConfig, type DevConfigOptions } from '../../dev/config.js'
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack.js'
import { dealerMapper, whenIdle } from '../../src/index.js'
import { reconcileDeps, validateDeps } from '../../src/lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../../src/lifecycle/registry.js'
import {
  reconcile,
  type ReconcileOptions,
  type ReconcileSummary,
} from '../../src/reconcile/reconcile.js'
import { validate, type ValidateSummary } from '../../src/reconcile/validate.js'

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export class LogCapture extends Writable {
  readonly lines: LogLine[] = []
  readonly raw: string[] = []
  _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue
      this.raw.push(line)
      try {
        this.lines.push(JSON.parse(line) as LogLine)
      } catch {
        // not JSON: kept in raw only
      }
    }
    done()
  }
  find(predicate: (line: LogLine) => boolean): LogLine[] {
    return this.lines.filter(predicate)
  }
  clear(): void {
    this.lines.length = 0
    this.raw.length = 0
  }
}

export interface TestApp {
  stack: LocalStack
  payload: Payload
  /** The Payload instance's cache key (for Payload's REST handlers). */
  key: string
  logs: LogCapture
  supabase: pg.Pool
  /** Rows of the Supabase table, by id. */
  rows(table?: string): Promise<Map<string, Record<string, unknown>>>
  idle(): Promise<void>
  close(): Promise<void>
}

const started = new Set<Payload>()

/**
 * Payload's pool keeps a client that is never released (payload.destroy() does not end the pool); when
 * PostgreSQL stops, that client emits 57P01 / "Connection terminated" with no listener, which would
 * crash the test process. Every client of every Payload started here gets a listener before a stop.
 */
export function silencePools(): void {
  for (const payload of started) {
    const pool = (payload.db as unknown as { pool?: pg.Pool & { _clients?: pg.PoolClient[] } }).pool
    pool?.on('error', () => {})
    for (const client of pool?._clients ?? []) client.on('error', () => {})
  }
}

export async function startPayload(
  stack: LocalStack,
  options: Partial<DevConfigOptions> = {},
  logs = new LogCapture(),
): Promise<{ payload: Payload; logs: LogCapture; key: string }> {
  // Tests capture everything; benches log as production does (BENCH sets TEST_LOG_LEVEL=info).
  const level = process.env.TEST_LOG_LEVEL ?? 'debug'
  const logger = pino({ level }, logs)
  const config = await devConfig({
    databaseUri: stack.databaseUri,
    supabaseUrl: stack.supabaseUrl,
    serviceRoleKey: stack.serviceRoleKey,
    ...options,
    // No scheduled checks unless a test asks: one could land in the middle of a test's counts.
    sync: { logger, checks: { schedule: false }, ...options.sync },
    extend: (c) => {
      const extended = options.extend ? options.extend(c) : c
      return { ...extended, logger: { destination: logs, options: { level } } }
    },
  })
  // Its own cache key: several instances in one process; Payload's REST handlers take the key too.
  const key = randomUUID()
  const payload = await getPayload({ config, key } as Parameters<typeof getPayload>[0])
  // payload.destroy() leaves a pool client that errors when PostgreSQL stops (57P01).
  ;(payload.db as unknown as { pool?: pg.Pool }).pool?.on('error', () => {})
  started.add(payload)
  return { payload, logs, key }
}

export async function startApp(
  options: Partial<DevConfigOptions> & {
    stack?: LocalStackOptions
    /** Run in the Supabase database before Payload starts (tables of a test's own collections). */
    supabaseSql?: string
  } = {},
): Promise<TestApp> {
  const stack = await startLocalStack(options.stack)
  if (options.supabaseSql) await runSql(stack.supabaseDbUri, options.supabaseSql)
  const { payload, logs, key } = await startPayload(stack, options)
  const supabase = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 4 })
  supabase.on('error', () => {})
  return {
    stack,
    payload,
    key,
    logs,
    supabase,
    async rows(table = 'dealers') {
      const { rows } = await supabase.query(`select to_jsonb(t) as row from public."${table}" t`)
      return new Map(rows.map((r: { row: Record<string, unknown> }) => [String(r.row.id), r.row]))
    },
    idle: () => whenIdle(payload),
    async close() {
      await payload.destroy().catch(() => {})
      await supabase.end().catch(() => {})
      silencePools()
      await stack.stop()
    },
  }
}

/** Runs SQL on its own connection (a test's tables, rows written around Payload or Supabase). */
export async function runSql(uri: string, text: string): Promise<void> {
  const db = new pg.Client({ connectionString: uri })
  await db.connect()
  try {
    await db.query(text)
  } finally {
    await db.end()
  }
}

/** Polls until the check passes (delivery is asynchronous) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      return await check()
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) throw lastError
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Waits until Supabase's row of a dealer holds its name (delivery is asynchronous), read outside the app. */
export async function deliveredName(
  supabaseDbUri: string,
  doc: { id: unknown; name?: unknown },
  timeoutMs = 10_000,
): Promise<void> {
  const supabase = new pg.Client({ connectionString: supabaseDbUri })
  await supabase.connect()
  try {
    await eventually(async () => {
      const { rows } = await supabase.query('select name from public.dealers where id = $1', [
        doc.id,
      ])
      if (rows[0]?.name !== doc.name)
        throw new Error(
          `dealer ${String(doc.id)}: Supabase has ${JSON.stringify(rows)}, not ${String(doc.name)}`,
        )
    }, timeoutMs)
  } finally {
    await supabase.end()
  }
}

let counter = 0
export function dealerData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++
  const n = `${Date.now().toString(36)}-${counter}`
  return {
    name: `Dealer ${n}`,
    slug: `dealer-${n}`,
    domain: `dealer-${n}.example.com`,
    platforms: ['homenet'],
    homenet_config: { rooftop_id: `R-${counter}` },
    ...overrides,
  }
}

/** Waits until no sync job is left (none pending, none failed) and the runner is idle. */
export async function settled(
  app: { payload: Payload; idle(): Promise<void> },
  timeoutMs = 20_000,
): Promise<void> {
  await eventually(async () => {
    await app.idle()
    const { totalDocs } = await app.payload.count({
      collection: 'payload-jobs',
      where: { taskSlug: { equals: 'supabase-sync' } },
      overrideAccess: true,
    })
    if (totalDocs !== 0) throw new Error(`${totalDocs} sync jobs left`)
  }, timeoutMs)
}

/** Every dealer as Payload would write it to Supabase, by id. */
export async function payloadRows(payload: Payload): Promise<Map<string, Record<string, unknown>>> {
  const { docs } = await payload.find({
    collection: 'dealers',
    limit: 0,
    pagination: false,
    depth: 0,
  })
  return new Map(
    docs.map((d) => [String(d.id), dealerMapper.toRow(d as never)! as Record<string, unknown>]),
  )
}

/** The read-only comparison (what `validate` reports), for a collection and optionally some ids. */
export async function compareNow(
  payload: Payload,
  collection = 'dealers',
  ids?: string[],
): Promise<ValidateSummary & { unchanged: number }> {
  const runtime = getRuntime(payload)
  const summary = await validate(validateDeps(runtime), syncedCollection(runtime, collection), {
    ids,
  })
  return { ...summary, unchanged: summary.diff.unchanged }
}

/** The reconcile (what `sync` runs), without the audit record. */
export async function reconcileNow(
  payload: Payload,
  collection = 'dealers',
  options: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const runtime = getRuntime(payload)
  return reconcile(reconcileDeps(runtime), syncedCollection(runtime, collection), options)
}

/** Writes to Supabase (the stand-in's count of POST, PATCH and DELETE requests) during `run`. */
export async function writesDuring(
  app: Pick<TestApp, 'stack'>,
  run: () => Promise<unknown>,
): Promise<number> {
  app.stack.resetStats()
  await run()
  const { byMethod } = app.stack.stats()
  return (byMethod.POST ?? 0) + (byMethod.PATCH ?? 0) + (byMethod.DELETE ?? 0)
}
