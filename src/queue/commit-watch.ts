/**
 * Payload has no after-commit hook, and a job queued inside a transaction is invisible to the runner
 * until that transaction commits. So the adapter's commit is wrapped: the commit of a transaction that
 * queued a sync job calls `onCommit`; a rollback forgets it (its job is gone with it).
 */
import type { Payload } from 'payload'

type TransactionID = number | string | undefined

export class CommitWatch {
  private readonly watched = new Set<number | string>()
  private restore: (() => void) | undefined

  constructor(
    private readonly payload: Payload,
    private readonly onCommit: () => void,
  ) {}

  start(): void {
    const db = this.payload.db as unknown as {
      commitTransaction: (id: TransactionID | Promise<TransactionID>) => Promise<void>
      rollbackTransaction: (id: TransactionID | Promise<TransactionID>) => Promise<void>
    }
    const commit = db.commitTransaction
    const rollback = db.rollbackTransaction
    db.commitTransaction = async (id) => {
      const resolved = id instanceof Promise ? await id : id
      await commit.call(db, resolved)
      if (resolved !== undefined && this.watched.delete(resolved)) this.onCommit()
    }
    db.rollbackTransaction = async (id) => {
      const resolved = id instanceof Promise ? await id : id
      if (resolved !== undefined) this.watched.delete(resolved)
      await rollback.call(db, resolved)
    }
    this.restore = () => {
      db.commitTransaction = commit
      db.rollbackTransaction = rollback
    }
  }

  /** A job was queued inside `transactionID` (undefined: no transaction, it is committed already). */
  watch(transactionID: TransactionID): void {
    if (transactionID === undefined) setImmediate(this.onCommit)
    else this.watched.add(transactionID)
  }

  stop(): void {
    this.restore?.()
    this.restore = undefined
  }
}
