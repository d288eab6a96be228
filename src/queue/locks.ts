/**
 * The per-document serialisation: whatever writes a document's row (a queued delivery, the reconcile,
 * a pull) first takes the document's lock, then reads the document, then writes, and keeps the lock
 * until its bookkeeping commits. The locks are PostgreSQL advisory locks of the transaction, so a
 * process that dies releases its locks with its connection at once, and a live one never loses them
 * to a timer. Try-locks never wait: a document locked elsewhere is being delivered there.
 */
import type { Sql } from './database.js'

/** The first key of our advisory locks ("SYNC"), so that they can be told from an app's own. */
export const lockNamespace = 0x53594e43

export interface Claim {
  /** The keys this transaction now holds. */
  locked: Set<string>
  /**
   * The version of this delivery: the database's clock when the locks were taken, in microseconds.
   * Deliveries of one document are serialised by its lock, so their versions follow the order in
   * which they read it; the stale-write guard in Supabase compares them.
   */
  version: number
}

export async function lockDocuments(sql: Sql, keys: readonly string[]): Promise<Claim> {
  const { rows } = await sql.query<{ key: string | null; ok: boolean | null; version: string }>(
    `select k.key, pg_try_advisory_xact_lock(${lockNamespace}, hashtext(k.key)) as ok, ` +
      `(extract(epoch from clock_timestamp()) * 1000000)::bigint::text as version ` +
      `from (select null::text as key union all select unnest($1::text[])) k`,
    [[...keys]],
  )
  const locked = new Set<string>()
  let version = 0
  for (const row of rows) {
    version = Math.max(version, Number(row.version))
    if (row.key !== null && row.ok) locked.add(row.key)
  }
  return { locked, version }
}

/** How many documents are being delivered right now, by any process. */
export async function deliveringCount(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    `select count(*)::text as n from pg_locks where locktype = 'advisory' and classid = ${lockNamespace} and granted`,
  )
  return Number(rows[0]?.n ?? 0)
}
