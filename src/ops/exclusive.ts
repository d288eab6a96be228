/**
 * One run at a time of an operation on a collection, across every app instance: a second `validate`,
 * or a second `sync`/`reset`, of the same collection while one runs is refused (BusyError), not queued
 * behind it. The lock is an advisory lock of a transaction held while the operation runs, so it goes
 * with a process that dies — and, being a transaction's, it stays right behind a pooler in transaction
 * mode (a session lock would stay on whichever server connection took it).
 */
import { CancelledError, BusyError, LockLostError } from '../errors.js'
import type { PayloadDatabase } from '../queue/database.js'

/** The first key of these advisory locks ("SYND"), apart from the per-document ones. */
export const operationsNamespace = 0x53594e44

/**
 * How often the lock's idle connection says something: load balancers and NAT drop a TCP connection
 * silent for minutes (the lock would go with it), and a connection that stopped answering is taken
 * for lost when the next beat finds the last one unanswered.
 */
export const heartbeatMs = 30_000

/**
 * Runs `work` holding the operation's lock. `work` gets a signal that aborts when the caller's does
 * or when the lock is lost; a run stopped by a lost lock throws LockLostError (a CancelledError when
 * the caller cancelled). A run that ends before it noticed the loss keeps its result.
 */
export async function exclusive<T>(
  db: PayloadDatabase,
  operation: 'validate' | 'sync',
  collection: string,
  work: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const held = await db.connection()
  // The heartbeat's verdict; with the connection's own end or failure, the lock is gone.
  const silent = new AbortController()
  const gone = AbortSignal.any([held.lost, silent.signal])
  let beat: NodeJS.Timeout | undefined
  // Well within the transaction's idle limit.
  const every = Math.min(heartbeatMs, Math.max(100, db.idleLimitMs / 3))
  let destroy = false
  // Ends the lock's transaction. A connection dropped without a word (NAT) would leave the statement
  // waiting for TCP to give up, minutes after the run is done: unanswered within a heartbeat, the
  // connection is destroyed instead, and its session (and lock) goes with it on the server.
  const end = async (statement: 'commit' | 'rollback') => {
    if (gone.aborted) return
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        destroy = true
        resolve()
      }, every)
      timer.unref()
    })
    await Promise.race([
      held.sql.query(statement).then(
        () => undefined,
        () => void (destroy = true),
      ),
      late,
    ])
    clearTimeout(timer)
  }
  try {
    // The transaction sits idle while the run works, but for the heartbeat: its idle limit is at least
    // `db.idleLimitMs`, and the heartbeat comes well within it. A frozen or dead process's lock still
    // goes when the limit ends its session.
    await held.sql.query(db.begin)
    const { rows } = await held.sql.query<{ ok: boolean }>(
      'select pg_try_advisory_xact_lock($1, hashtext($2)) as ok',
      [operationsNamespace, `${operation}:${collection}`],
    )
    if (!rows[0]?.ok) throw new BusyError(operation, collection)
    let answered = true
    beat = setInterval(() => {
      if (!answered) {
        silent.abort(new Error(`Payload's database did not answer for ${every / 1000} s`))
        return
      }
      answered = false
      held.sql.query('select 1').then(
        () => (answered = true),
        (err: unknown) => silent.abort(err),
      )
    }, every)
    beat.unref()
    let result: T
    try {
      result = await work(signal ? AbortSignal.any([signal, gone]) : gone)
    } catch (error) {
      if (error instanceof CancelledError && gone.aborted && !signal?.aborted)
        throw new LockLostError(operation, collection, error.progress, gone.reason)
      throw error
    }
    clearInterval(beat)
    // Lost after the last page: the work is done all the same, and the lock went with the session.
    await end('commit')
    return result
  } catch (error) {
    await end('rollback')
    throw error
  } finally {
    clearInterval(beat)
    held.release(destroy || gone.aborted)
  }
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
