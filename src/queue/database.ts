/**
 * SQL on Payload's own PostgreSQL database (the postgres adapter): the statements that Payload's API
 * would run row by row (claims, bookings, fingerprints) as one statement each, transactions that hold
 * the per-document locks, and statements inside a save's transaction. Table and column names come from
 * the adapter's schema, so `dbName` and a custom schema are honoured.
 */
import type { Payload, PayloadRequest } from 'payload'
import type { Pool, PoolClient, QueryResultRow } from 'pg'
import { ConfigError } from '../errors.js'
import { readingSlots, Slots } from './slots.js'

export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>
}

interface DrizzleAdapter {
  pool?: Pool
  drizzle?: unknown
  sessions?: Record<string | number, { db?: unknown } | undefined>
  execute?: (args: {
    drizzle: unknown
    raw: string
  }) => Promise<{ rows?: unknown[]; rowCount?: number | null } | undefined>
  tables?: Record<
    string,
    Record<string, { name?: unknown; getSQLType?: () => string } | undefined> | undefined
  >
  tableNameMap?: Map<string, string>
  schemaName?: string
}

export interface HeldConnection {
  sql: Sql
  /** Aborted when the connection ends or fails; its reason is the cause. */
  lost: AbortSignal
  /** Back to the pool (destroyed instead when `destroy` is set or the connection was lost). */
  release(destroy?: boolean): void
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
/** A string literal, for the few statements run through the adapter's raw `execute` (no parameters there). */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`

/** Payload's table name for a slug (its `toSnakeCase`), before `dbName` overrides. */
export function snakeCase(slug: string): string {
  return slug
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase()
}

/** A table of Payload's schema: its quoted, schema-qualified name and quoted column names by field. */
export interface TableRef {
  name: string
  column(field: string): string
  /** The column's SQL type, to cast parameters to (serial columns are integers). */
  sqlType(field: string): string
}

/**
 * Opens a transaction (one round trip) whose idle limit is at least `ms`: the host's
 * `idle_in_transaction_session_timeout` when it is longer or off (0), else `ms`.
 */
export function beginWithIdleLimit(ms: number): string {
  const limit = Math.max(1, Math.round(ms))
  return (
    `begin; select pg_catalog.set_config('idle_in_transaction_session_timeout', ` +
    `(select case when s = 0 or s >= ${limit} then s else ${limit} end ` +
    `from (select setting::bigint as s from pg_catalog.pg_settings where name = 'idle_in_transaction_session_timeout') x)::text, true)`
  )
}

export class PayloadDatabase {
  private readonly adapter: DrizzleAdapter

  /** Transactions that read through Payload while they hold their connection (see `reading`). */
  private readonly readers: Slots

  /** The statement that opens this database's transactions (see `transaction`). */
  readonly begin: string

  constructor(
    private readonly payload: Payload,
    /**
     * The least idle limit of these transactions (the plugin's `queue.staleAfter`): a delivery waits
     * for Supabase in its transaction, and a host's shorter idle limit ended it whenever Supabase was
     * slower than that — yet a transaction idle that long belongs to a runner that is dead or frozen
     * (a serverless function), as a job processing that long does, and its locks must go.
     */
    readonly idleLimitMs = 300_000,
  ) {
    this.begin = beginWithIdleLimit(idleLimitMs)
    this.adapter = payload.db as unknown as DrizzleAdapter
    if (
      !this.adapter.pool ||
      typeof this.adapter.pool.connect !== 'function' ||
      !this.adapter.tables
    ) {
      throw new ConfigError(
        'supabase-sync needs Payload on PostgreSQL (@payloadcms/db-postgres): its queue claims and locks documents in SQL',
        'db',
      )
    }
    const max = (this.adapter.pool as unknown as { options?: { max?: number } }).options?.max
    this.readers = new Slots(readingSlots(typeof max === 'number' && max > 0 ? max : 10))
  }

  /** The table of a collection (by slug), with its columns by Payload field name. */
  table(slug: string): TableRef {
    const key = snakeCase(slug)
    const tableName = this.adapter.tableNameMap?.get(key) ?? key
    const columns = this.adapter.tables?.[tableName]
    if (!columns)
      throw new ConfigError(
        `supabase-sync: no table for collection "${slug}" in Payload's schema`,
        'collections',
      )
    const schema = this.adapter.schemaName ? `${ident(this.adapter.schemaName)}.` : ''
    return {
      name: `${schema}${ident(tableName)}`,
      column(field: string) {
        const name = columns[field]?.name
        if (typeof name !== 'string')
          throw new ConfigError(
            `supabase-sync: no column for field "${field}" of "${slug}" in Payload's schema`,
            'collections',
          )
        return ident(name)
      },
      sqlType(field: string) {
        const type = columns[field]?.getSQLType?.() ?? 'text'
        return type === 'serial' ? 'integer' : type === 'bigserial' ? 'bigint' : type
      },
    }
  }

  /** One statement on a pooled connection. */
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.adapter.pool!.query<R>(text, params)
  }

  /**
   * Runs `work` in a transaction of its own connection: committed when it resolves, rolled back when
   * it throws. Advisory locks taken with `pg_try_advisory_xact_lock` live exactly as long, and die
   * with the connection if this process does. These transactions wait for Supabase by design (a
   * delivery holds its documents' locks across its requests): their idle limit is raised to
   * `idleLimitMs` where the host's is shorter.
   */
  async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.adapter.pool!.connect()
    let broken = false
    const onError = () => {
      broken = true
    }
    client.on('error', onError)
    try {
      await client.query(this.begin)
      const result = await work(client)
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => {
        broken = true
      })
      throw error
    } finally {
      client.off('error', onError)
      client.release(broken ? true : undefined)
    }
  }

  /**
   * A connection of the pool for the caller alone, until `release`: for a lock held as long as an
   * operation runs. `lost` aborts when the connection ends or fails (the server ended the session, the
   * network went), with the cause as its reason; a lost connection is destroyed on release, not pooled.
   */
  async connection(): Promise<HeldConnection> {
    const client: PoolClient = await this.adapter.pool!.connect()
    const lost = new AbortController()
    const onError = (err: unknown) => lost.abort(err)
    const onEnd = () => lost.abort(new Error("the connection to Payload's database ended"))
    client.on('error', onError)
    client.on('end', onEnd)
    let released = false
    return {
      sql: client,
      lost: lost.signal,
      release(destroy = false) {
        if (released) return
        released = true
        client.off('error', onError)
        client.off('end', onEnd)
        client.release(destroy || lost.signal.aborted ? true : undefined)
      },
    }
  }

  /**
   * `transaction` for work that reads through Payload (another connection of the pool) while it holds
   * its own: a delivery. At most `readingSlots(pool max)` at once, the rest wait for a slot before
   * they take a connection — else deliveries run at once (Payload's runner runs its jobs together)
   * could hold every connection, each waiting for a second, and hang the app.
   */
  reading<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.readers.run(() => this.transaction(work))
  }

  /**
   * `inRequest` whose failure leaves the save's transaction as it was: PostgreSQL aborts a transaction
   * at its first failed statement, and its commit then rolls the whole save back without an error —
   * a save that reports success and is lost. Inside a transaction, the statement runs in a savepoint.
   */
  async inRequestGuarded(req: PayloadRequest, raw: string): Promise<void> {
    const session = await this.sessionOf(req)
    const run = (text: string) =>
      this.adapter.execute!({ drizzle: session ?? this.adapter.drizzle, raw: text })
    if (!session) {
      await run(raw)
      return
    }
    await run('savepoint supabase_sync_guard')
    try {
      await run(raw)
    } catch (error) {
      await run('rollback to savepoint supabase_sync_guard')
      throw error
    }
    await run('release savepoint supabase_sync_guard')
  }

  /**
   * A statement inside the transaction of a save (`req`), so that it sees the save's own writes and
   * never waits for a second connection while the save holds one. Raw SQL only: build it with
   * `literal` and `ident`.
   */
  async inRequest<R = Record<string, unknown>>(req: PayloadRequest, raw: string): Promise<R[]> {
    const drizzle = (await this.sessionOf(req)) ?? this.adapter.drizzle
    const result = await this.adapter.execute!({ drizzle, raw })
    return (result?.rows ?? []) as R[]
  }

  /** The drizzle session of the save's transaction; none when the save runs without one. */
  private async sessionOf(req: PayloadRequest): Promise<unknown> {
    // The transaction id may still be the promise of one being opened.
    const transactionID =
      req.transactionID instanceof Promise ? await req.transactionID : req.transactionID
    return transactionID === undefined ? undefined : this.adapter.sessions?.[transactionID]?.db
  }
}
