/**
 * One run at a time of an operation on a collection, across every app instance: a second `validate`,
 * or a second `sync`/`reset`, of the same collection while one runs is refused (BusyError), not queued
 * behind it. The lock is an advisory lock of a transaction held while the operation runs, so it goes
 * with a process that dies.
 */
import { BusyError } from '../errors.js'
import type { PayloadDatabase } from '../queue/database.js'

/** The first key of these advisory locks ("SYND"), apart from the per-document ones. */
export const operationsNamespace = 0x53594e44

export async function exclusive<T>(
  db: PayloadDatabase,
  operation: 'validate' | 'sync',
  collection: string,
  work: () => Promise<T>,
): Promise<T> {
  return db.transaction(async (sql) => {
    const { rows } = await sql.query<{ ok: boolean }>(
      'select pg_try_advisory_xact_lock($1, hashtext($2)) as ok',
      [operationsNamespace, `${operation}:${collection}`],
    )
    if (!rows[0]?.ok) throw new BusyError(operation, collection)
    return work()
  })
}

/**
 * Whether an operation of the collection runs now (on any instance): for a caller that answers
 * before the operation starts (a run started in the background), so that a busy one is a 409 then,
 * not a run that fails. The run itself still takes the lock (one may start in between).
 */
export async function isBusy(
  db: PayloadDatabase,
  operation: 'validate' | 'sync',
  collection: string,
): Promise<boolean> {
  return db.transaction(async (sql) => {
    const { rows } = await sql.query<{ ok: boolean }>(
      'select pg_try_advisory_xact_lock($1, hashtext($2)) as ok',
      [operationsNamespace, `${operation}:${collection}`],
    )
    return !rows[0]?.ok
  })
}
