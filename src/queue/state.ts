/**
 * The per-document sync state: the fingerprint of the row last delivered (collection
 * `supabase-sync-state`). Recorded in the transaction that completes a document's jobs, so that "no job
 * and the fingerprint equals the row" is never seen half-done.
 */
import { stateSlug } from '../collections/state.js'
import { literal, type PayloadDatabase, type Sql, type TableRef } from './database.js'
import type { PayloadRequest } from 'payload'

/** The key under which the last full reconcile of a collection is noted. */
const fullRunKey = (collection: string) => `:reconcile:${collection}`

export class StateStore {
  private readonly t: TableRef
  private readonly key: string
  private readonly fingerprint: string
  private readonly syncedAt: string

  constructor(private readonly db: PayloadDatabase) {
    this.t = db.table(stateSlug)
    this.key = this.t.column('id')
    this.fingerprint = this.t.column('fingerprint')
    this.syncedAt = this.t.column('syncedAt')
  }

  /** Records `fingerprints[i]` for `keys[i]`, in `sql`'s transaction. */
  async record(sql: Sql, keys: readonly string[], fingerprints: readonly string[]): Promise<void> {
    if (!keys.length) return
    // Only what differs is written: an in-sync reconcile writes nothing here either.
    await sql.query(
      `insert into ${this.t.name} as s (${this.key}, ${this.fingerprint}, ${this.syncedAt}) ` +
        `select e.k, e.f, now() from unnest($1::text[], $2::text[]) as e(k, f) left join ${this.t.name} c on c.${this.key} = e.k ` +
        `where c.${this.fingerprint} is distinct from e.f ` +
        `on conflict (${this.key}) do update set ${this.fingerprint} = excluded.${this.fingerprint}, ${this.syncedAt} = excluded.${this.syncedAt}`,
      [keys, fingerprints],
    )
  }

  /** The fingerprints of these documents (absent: never delivered by this version of the plugin). */
  async get(
    keys: readonly string[],
  ): Promise<Map<string, { fingerprint: string; syncedAt: string }>> {
    const { rows } = await this.db.query<{
      key: string
      fingerprint: string
      synced_at: Date | string
    }>(
      `select ${this.key} as key, ${this.fingerprint} as fingerprint, ${this.syncedAt} as synced_at from ${this.t.name} where ${this.key} = any($1::text[])`,
      [[...keys]],
    )
    return new Map(
      rows.map((row) => [
        row.key,
        { fingerprint: row.fingerprint, syncedAt: new Date(row.synced_at).toISOString() },
      ]),
    )
  }

  /** The database's clock (one clock for every instance, unlike theirs). */
  async now(): Promise<string> {
    const { rows } = await this.db.query<{ now: string }>(
      `select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`,
    )
    return rows[0].now
  }

  /**
   * Notes that a full reconcile of `collection` that started at `startedAt` (database clock) ran to its
   * end. Kept in this table under a key no document has (document keys are `collection:id`).
   */
  async recordFullRun(collection: string, startedAt: string): Promise<void> {
    await this.db.query(
      `insert into ${this.t.name} as s (${this.key}, ${this.fingerprint}, ${this.syncedAt}) values ($1, $2, now()) ` +
        `on conflict (${this.key}) do update set ${this.fingerprint} = greatest(s.${this.fingerprint}, excluded.${this.fingerprint}), ${this.syncedAt} = excluded.${this.syncedAt}`,
      [fullRunKey(collection), startedAt],
    )
  }

  /** Whether a full reconcile of `collection` that started after `since` (database clock) ran to its end. */
  async fullRunSince(collection: string, since: string): Promise<boolean> {
    const { rows } = await this.db.query<{ started: string }>(
      `select ${this.fingerprint} as started from ${this.t.name} where ${this.key} = $1`,
      [fullRunKey(collection)],
    )
    // Both are UTC timestamps in one fixed format: their text order is their time order.
    return rows.length > 0 && rows[0].started > since
  }

  /** Records a fingerprint inside a save's transaction: it commits or rolls back with the save. */
  async recordInRequest(req: PayloadRequest, key: string, fingerprint: string): Promise<void> {
    await this.db.inRequest(
      req,
      `insert into ${this.t.name} (${this.key}, ${this.fingerprint}, ${this.syncedAt}) values (${literal(key)}, ${literal(fingerprint)}, now()) ` +
        `on conflict (${this.key}) do update set ${this.fingerprint} = excluded.${this.fingerprint}, ${this.syncedAt} = excluded.${this.syncedAt}`,
    )
  }

  /** The fingerprint of one document, read inside a save's transaction. */
  async inRequest(req: PayloadRequest, key: string): Promise<string | undefined> {
    const rows = await this.db.inRequest<{ fingerprint: string }>(
      req,
      `select ${this.fingerprint} as fingerprint from ${this.t.name} where ${this.key} = ${literal(key)}`,
    )
    return rows[0]?.fingerprint
  }
}
