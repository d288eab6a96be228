/**
 * Every read and write of Payload's jobs table for the sync task: which documents are due, the jobs of
 * a document, completing them, booking a failure (job-bookings.ts), queuing jobs in bulk, releasing
 * the jobs of a runner that died (stale-release-sql.ts), waking the backlog, and the counts operators
 * see (job-reports.ts). The jobs stay Payload's (its table, its task, its admin); the plugin writes
 * them in one statement where Payload's API would go row by row.
 *
 * A job carries only `{ collection, id }` and the key `collection:id`. A document "has a job" while any
 * uncompleted job of its key exists: pending, waiting out a backoff, or failed.
 */
import type { PayloadRequest } from 'payload'
import type { QueueOptions } from '../options.js'
import { literal, type PayloadDatabase, type Sql } from './database.js'
import { bookFailures } from './job-bookings.js'
import { failedDocumentCounts, failedJobs, jobCounts } from './job-reports.js'
import { jobsTable, type JobsTable } from './jobs-table.js'
import { syncTaskSlug } from './keys.js'
import type { DueDocument, FailedJob, Failure, JobCounts, JobError, JobRow } from './job-types.js'
import { releaseStaleInQueue, releaseStaleSql } from './stale-release-sql.js'

export type { DueDocument, FailedJob, Failure, JobCounts, JobError, JobRow } from './job-types.js'

export class JobStore {
  private readonly table: JobsTable

  constructor(
    private readonly db: PayloadDatabase,
    private readonly queue: QueueOptions,
    private readonly deleteOnComplete: boolean,
  ) {
    this.table = jobsTable(db, queue.name)
  }

  /** The documents with a job due now (oldest first), one entry per document, none of `exclude`. */
  async due(limit: number, exclude: readonly string[] = []): Promise<DueDocument[]> {
    const { c } = this.table
    const { rows } = await this.db.query<DueDocument>(
      `select key, collection, id from (select distinct on (${c.key}) ${c.key} as key, ${c.input}->>'collection' as collection, ${c.input}->>'id' as id, ${c.createdAt} as created ` +
        `from ${this.table.name} where ${this.table.mine} and coalesce(${c.hasError}, false) = false and (${c.waitUntil} is null or ${c.waitUntil} <= now()) ` +
        `and ${c.key} is not null and not (${c.key} = any($1::text[])) order by ${c.key}, ${c.createdAt}) d order by created limit $2`,
      [[...exclude], limit],
    )
    return rows.filter((row) => typeof row.collection === 'string' && typeof row.id === 'string')
  }

  /** The uncompleted jobs of these documents, as committed now. */
  async forKeys(sql: Sql, keys: readonly string[]): Promise<JobRow[]> {
    if (!keys.length) return []
    const { c } = this.table
    const { rows } = await sql.query<{
      id: string
      key: string
      total_tried: string | null
      has_error: boolean | null
      error: JobError | null
      created_at: Date | string
      pulled: string | null
    }>(
      `select ${c.id}::text as id, ${c.key} as key, ${c.totalTried}::text as total_tried, ${c.hasError} as has_error, ${c.error} as error, ${c.createdAt} as created_at, ${c.input}->>'pulled' as pulled ` +
        `from ${this.table.name} where ${this.table.mine} and ${c.key} = any($1::text[])`,
      [[...keys]],
    )
    return rows.map((row) => ({
      id: row.id,
      key: row.key,
      totalTried: Number(row.total_tried) || 0,
      hasError: row.has_error === true,
      error: row.error,
      createdAt: new Date(row.created_at).toISOString(),
      ...(row.pulled ? { pulled: row.pulled } : {}),
    }))
  }

  /** Completes delivered jobs: deleted, as Payload deletes a completed job (or marked, with `deleteJobOnComplete: false`). */
  async complete(sql: Sql, ids: readonly string[]): Promise<void> {
    if (!ids.length) return
    const { c } = this.table
    if (this.deleteOnComplete) {
      await sql.query(
        `delete from ${this.table.name} where ${c.id} = any($1::${this.table.idType}[])`,
        [[...ids]],
      )
    } else {
      await sql.query(
        `update ${this.table.name} set ${c.completedAt} = now(), ${c.processing} = false, ${c.hasError} = false, ${c.updatedAt} = now() where ${c.id} = any($1::${this.table.idType}[])`,
        [[...ids]],
      )
    }
  }

  /** Queues a job for each of these documents (in `sql`'s transaction), and returns them. */
  async enqueue(
    sql: Sql,
    docs: ReadonlyArray<{ collection: string; id: string }>,
  ): Promise<JobRow[]> {
    if (!docs.length) return []
    const { c } = this.table
    const { rows } = await sql.query<{ id: string; key: string }>(
      `insert into ${this.table.name} (${c.input}, ${c.taskSlug}, ${c.queue}, ${c.key}, ${c.totalTried}, ${c.hasError}, ${c.processing}, ${c.createdAt}, ${c.updatedAt}) ` +
        `select jsonb_build_object('collection', d.collection, 'id', d.id), ${literal(syncTaskSlug)}, $3, d.collection || ':' || d.id, 0, false, false, now(), now() ` +
        `from unnest($1::text[], $2::text[]) as d(collection, id) returning ${c.id}::text as id, ${c.key} as key`,
      [docs.map((d) => d.collection), docs.map((d) => d.id), this.queue.name],
    )
    const now = new Date().toISOString()
    return rows.map((row) => ({
      id: row.id,
      key: row.key,
      totalTried: 0,
      hasError: false,
      error: null,
      createdAt: now,
    }))
  }

  /**
   * Books failed deliveries on their jobs (queuing one where a document has none): retried after a
   * backoff, or failed for good (job-bookings.ts). Returns the failures given up.
   */
  async book(sql: Sql, failures: readonly Failure[]): Promise<Failure[]> {
    if (!failures.length) return []
    const created = await this.enqueue(
      sql,
      failures.filter((f) => f.jobs.length === 0),
    )
    return bookFailures(sql, this.table, this.queue, failures, created)
  }

  /**
   * Releases the jobs Payload's runner marked processing more than `queue.staleAfter` ago and never
   * finished (its process died: Payload has no recovery, and skips every later job of the document
   * behind one): pending again. All of them, or those of `key`; how many.
   */
  async releaseStale(key?: string): Promise<number> {
    const { rowCount } = await this.db.query(releaseStaleSql(this.table, this.queue, key))
    return rowCount ?? 0
  }

  /** Jobs of another queue (the checks' and alert sends') that a runner which died left processing. */
  releaseStaleOfQueue(sql: Sql, queueName: string): Promise<number> {
    return releaseStaleInQueue(sql, this.table, queueName, this.queue.staleAfter)
  }

  /** releaseStale of one document, inside a save's transaction: the save's job must not wait behind it. */
  async releaseStaleInRequest(req: PayloadRequest, key: string): Promise<void> {
    // Its failure (a serialization failure, a deadlock, a timeout) must not take the save with it.
    await this.db.inRequestGuarded(req, releaseStaleSql(this.table, this.queue, key))
  }

  /** Whether a document has an uncompleted job, read inside a save's transaction (before it queues its own). */
  async hasJobInRequest(req: PayloadRequest, key: string): Promise<boolean> {
    const rows = await this.db.inRequest(
      req,
      `select 1 as one from ${this.table.name} where ${this.table.mine} and ${this.table.c.key} = ${literal(key)} limit 1`,
    )
    return rows.length > 0
  }

  /**
   * Documents of a collection whose delivery has failed before: to be tried again (a job tried at
   * least once), or given up on a conflict. None of `exclude`. Candidates to deliver beside a conflict.
   */
  async retrying(collection: string, limit: number, exclude: readonly string[]): Promise<string[]> {
    const { c } = this.table
    const { rows } = await this.db.query<{ id: string }>(
      `select distinct ${c.input}->>'id' as id from ${this.table.name} where ${this.table.mine} and coalesce(${c.totalTried}, 0) > 0 ` +
        `and (coalesce(${c.hasError}, false) = false or ${c.error}->>'kind' = 'conflict') ` +
        `and ${c.input}->>'collection' = $1 and not (${c.input}->>'id' = any($2::text[])) limit $3`,
      [collection, [...exclude], limit],
    )
    return rows.map((row) => row.id)
  }

  /** Makes the jobs waiting out a backoff due now (Supabase answers again); how many. */
  async wake(): Promise<number> {
    const { c } = this.table
    const { rowCount } = await this.db.query(
      `update ${this.table.name} set ${c.waitUntil} = null where ${this.table.mine} and coalesce(${c.hasError}, false) = false and ${c.waitUntil} > now()`,
    )
    return rowCount ?? 0
  }

  counts(): Promise<JobCounts> {
    return jobCounts(this.db, this.table)
  }

  /** How many documents of each collection failed for good. */
  failedDocuments(): Promise<Map<string, number>> {
    return failedDocumentCounts(this.db, this.table)
  }

  /** The documents whose delivery failed for good, most recent failure first. */
  failed(limit = 100): Promise<FailedJob[]> {
    return failedJobs(this.db, this.table, limit)
  }
}
