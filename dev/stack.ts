/**
 * The local stack: one PostgreSQL (embedded unless DATABASE_URI / SUPABASE_DB_URI point at servers)
 * holding the `payload` and `supabase` databases, and the PostgREST stand-in over `supabase`, with
 * Supabase Realtime (postgres_changes over WebSocket, fed by logical replication of the
 * `supabase_realtime` publication) on the same port.
 * Tests, benches and `npm run dev` start it; a fresh machine needs nothing but Node.
 */
import { randomBytes } from 'node:crypto'
import { createDatabase, withDatabase } from './databases.js'
import {
  startEmbeddedPostgres,
  type EmbeddedPostgresOptions,
  type EmbeddedServer,
} from './embedded-postgres.js'
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
import { applySqlFiles, devSqlDir } from './sql-files.js'

export { freePort } from './free-port.js'
export { applySqlFiles, devSqlDir, sqlDir } from './sql-files.js'

/** With the embedded server's own (postgresPort, dataDir, persistent, verbose: embedded-postgres.ts). */
export interface LocalStackOptions extends EmbeddedPostgresOptions {
  /** Port of the stand-in; 0 or undefined picks a free one (the dev app asks for 54321, Supabase's local default). */
  supabasePort?: number
  /** Apply sql/*.sql to the supabase database (default true). */
  applySql?: boolean
  /** Use this server for Payload instead of embedding one (default: process.env.DATABASE_URI). */
  databaseUri?: string
  /** Use this server for the Supabase side instead of embedding one (default: process.env.SUPABASE_DB_URI). */
  supabaseDbUri?: string
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
