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
  /** The keys another transaction holds (their documents are being delivered there); this one holds the rest. */
  busy: Set<string>
  /**
   * The version of this delivery: the database's clock after the locks were taken, in microseconds.
   * Deliveries of one document are serialised by its lock, so their versions follow the order in
   * which they read it; the stale-write guard in Supabase compares them.
   */
  version: number
}

export async function lockDocuments(sql: Sql, keys: readonly string[]): Promise<Claim> {
  // Only the keys held elsewhere come back (mostly none): a reconcile's page locks a thousand keys,
  // and a row per key was a thousand rows to parse and keep per page. The clock is read after every
  // lock is taken: the aggregate is computed before the outer row.
  const { rows } = await sql.query<{ busy: string[]; version: string }>(
    `select b.busy, (extract(epoch from clock_timestamp()) * 1000000)::bigint::text as version ` +
      `from (select coalesce(array_agg(k), '{}') as busy from unnest($1::text[]) k ` +
      `where not pg_try_advisory_xact_lock(${lockNamespace}, hashtext(k))) b`,
    [keys],
  )
  return { busy: new Set(rows[0].busy), version: Number(rows[0].version) }
}

/** How many documents are being delivered right now, by any process. */
export async function deliveringCount(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    `select count(*)::text as n from pg_locks where locktype = 'advisory' and classid = ${lockNamespace} and granted`,
  )
  return Number(rows[0]?.n ?? 0)
}
