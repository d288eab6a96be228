/**
 * Every read and write of Payload's jobs table for the sync task: which documents are due, the jobs of
 * a document, completing them, booking a failure (retry with backoff, or failed for good), queuing
 * jobs in bulk, waking the backlog, and the counts operators see. The jobs stay Payload's (its table,
 * its task, its admin); the plugin writes them in one statement where Payload's API would go row by row.
 *
 * A job carries only `{ collection, id }` and the key `collection:id`. A document "has a job" while any
 * uncompleted job of its key exists: pending, waiting out a backoff, or failed.
 */
import type { PayloadRequest } from 'payload'
import type { QueueOptions } from '../options.js'
import { backoffDelay } from './backoff.js'
import { cancelledByJobsApiSql } from './cancelled.js'
import { literal, type PayloadDatabase, type Sql, type TableRef } from './database.js'
import { documentKey, syncTaskSlug } from './keys.js'
import type { DueDocument, FailedJob, Failure, JobCounts, JobError, JobRow } from './job-types.js'

export type { DueDocument, FailedJob, Failure, JobCounts, JobError, JobRow } from './job-types.js'

export class JobStore {
  private readonly t: TableRef
  private readonly c: Record<
    | 'id'
    | 'input'
    | 'taskSlug'
    | 'queue'
    | 'waitUntil'
    | 'processing'
    | 'hasError'
    | 'error'
    | 'completedAt'
    | 'key'
    | 'totalTried'
    | 'createdAt'
    | 'updatedAt',
    string
  >
  private readonly idType: string
  /** Filters every statement shares: our task, our queue, not completed. */
  private readonly mine: string
  /**
   * Failed for good: has an error, and was not cancelled with Payload's jobs API (cancelled.ts: it will
   * never run and did not fail — neither failed nor pending).
   */
  private readonly failedFilter: string

  constructor(
    private readonly db: PayloadDatabase,
    private readonly queue: QueueOptions,
    private readonly deleteOnComplete: boolean,
  ) {
    this.t = db.table('payload-jobs')
    const col = (field: string) => this.t.column(field)
    this.c = {
      id: col('id'),
      input: col('input'),
      taskSlug: col('taskSlug'),
      queue: col('queue'),
      waitUntil: col('waitUntil'),
      processing: col('processing'),
      hasError: col('hasError'),
      error: col('error'),
      completedAt: col('completedAt'),
      key: col('concurrencyKey'),
      totalTried: col('totalTried'),
      createdAt: col('createdAt'),
      updatedAt: col('updatedAt'),
    }
    this.idType = this.t.sqlType('id')
    this.mine = `${this.c.taskSlug} = ${literal(syncTaskSlug)} and ${this.c.queue} = ${literal(queue.name)} and ${this.c.completedAt} is null`
    this.failedFilter = `coalesce(${this.c.hasError}, false) and not ${cancelledByJobsApiSql(this.c.error)}`
  }

  /** The documents with a job due now (oldest first), one entry per document, none of `exclude`. */
  async due(limit: number, exclude: readonly string[] = []): Promise<DueDocument[]> {
    const { c } = this
    const { rows } = await this.db.query<DueDocument>(
      `select key, collection, id from (select distinct on (${c.key}) ${c.key} as key, ${c.input}->>'collection' as collection, ${c.input}->>'id' as id, ${c.createdAt} as created ` +
        `from ${this.t.name} where ${this.mine} and coalesce(${c.hasError}, false) = false and (${c.waitUntil} is null or ${c.waitUntil} <= now()) ` +
        `and ${c.key} is not null and not (${c.key} = any($1::text[])) order by ${c.key}, ${c.createdAt}) d order by created limit $2`,
      [[...exclude], limit],
    )
    return rows.filter((row) => typeof row.collection === 'string' && typeof row.id === 'string')
  }

  /** The uncompleted jobs of these documents, as committed now. */
  async forKeys(sql: Sql, keys: readonly string[]): Promise<JobRow[]> {
    if (!keys.length) return []
    const { c } = this
    const { rows } = await sql.query<{
      id: string
      key: string
      total_tried: string | null
      has_error: boolean | null
      error: JobError | null
      created_at: Date | string
    }>(
      `select ${c.id}::text as id, ${c.key} as key, ${c.totalTried}::text as total_tried, ${c.hasError} as has_error, ${c.error} as error, ${c.createdAt} as created_at ` +
        `from ${this.t.name} where ${this.mine} and ${c.key} = any($1::text[])`,
      [[...keys]],
    )
    return rows.map((row) => ({
      id: row.id,
      key: row.key,
      totalTried: Number(row.total_tried) || 0,
      hasError: row.has_error === true,
      error: row.error,
      createdAt: new Date(row.created_at).toISOString(),
    }))
  }

  /** Completes delivered jobs: deleted, as Payload deletes a completed job (or marked, with `deleteJobOnComplete: false`). */
  async complete(sql: Sql, ids: readonly string[]): Promise<void> {
    if (!ids.length) return
    const { c } = this
    if (this.deleteOnComplete) {
      await sql.query(`delete from ${this.t.name} where ${c.id} = any($1::${this.idType}[])`, [
        [...ids],
      ])
    } else {
      await sql.query(
        `update ${this.t.name} set ${c.completedAt} = now(), ${c.processing} = false, ${c.hasError} = false, ${c.updatedAt} = now() where ${c.id} = any($1::${this.idType}[])`,
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
    const { c } = this
    const { rows } = await sql.query<{ id: string; key: string }>(
      `insert into ${this.t.name} (${c.input}, ${c.taskSlug}, ${c.queue}, ${c.key}, ${c.totalTried}, ${c.hasError}, ${c.processing}, ${c.createdAt}, ${c.updatedAt}) ` +
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
   * Books failed deliveries on their jobs (queuing one where a document has none): a transient or
   * endpoint failure waits out a capped backoff and is tried again, however long it takes; a conflict
   * likewise, `conflictAttempts` times; a row-level failure marks the jobs failed, with the cause.
   * Returns the failures given up (failed for good).
   */
  async book(sql: Sql, failures: readonly Failure[]): Promise<Failure[]> {
    if (!failures.length) return []
    const givenUp: Failure[] = []
    const orphaned = failures.filter((f) => f.jobs.length === 0)
    const created = await this.enqueue(sql, orphaned)
    const byKey = new Map<string, JobRow[]>()
    for (const job of created) byKey.set(job.key, [...(byKey.get(job.key) ?? []), job])
    const ids: string[] = []
    const errors: string[] = []
    const failed: boolean[] = []
    const waits: number[] = []
    const at = new Date().toISOString()
    for (const failure of failures) {
      const jobs = failure.jobs.length
        ? failure.jobs
        : (byKey.get(documentKey(failure.collection, failure.id)) ?? [])
      const tried = Math.max(0, ...jobs.map((job) => job.totalTried))
      const conflicts =
        failure.error.kind === 'conflict'
          ? Math.max(0, ...jobs.map((job) => job.error?.conflicts ?? 0)) + 1
          : undefined
      const giveUp =
        failure.error.kind === 'row' ||
        (conflicts !== undefined && conflicts > this.queue.conflictAttempts)
      if (giveUp) givenUp.push(failure)
      const { message, operation, status, code, field, kind } = failure.error
      const error: JobError = { message, kind, operation, status, code, field, conflicts, at }
      for (const job of jobs) {
        ids.push(job.id)
        errors.push(JSON.stringify(error))
        failed.push(giveUp)
        waits.push(giveUp ? 0 : (failure.waitMs ?? backoffDelay(tried, this.queue)))
      }
    }
    const { c } = this
    await sql.query(
      `update ${this.t.name} j set ${c.totalTried} = coalesce(j.${c.totalTried}, 0) + 1, ${c.hasError} = v.failed, ${c.error} = v.error, ` +
        `${c.waitUntil} = case when v.failed then null else now() + make_interval(secs => v.wait / 1000.0) end, ${c.processing} = false, ${c.updatedAt} = now() ` +
        `from unnest($1::${this.idType}[], $2::jsonb[], $3::boolean[], $4::float8[]) as v(id, error, failed, wait) where j.${c.id} = v.id`,
      [ids, errors, failed, waits],
    )
    return givenUp
  }

  /**
   * Releases the jobs Payload's runner marked processing more than `queue.staleAfter` ago and never
   * finished (its process died: Payload has no recovery, and skips every later job of the document
   * behind one): pending again. All of them, or those of `key`; how many.
   */
  async releaseStale(key?: string): Promise<number> {
    const { rowCount } = await this.db.query(this.staleSql(key))
    return rowCount ?? 0
  }

  /**
   * Jobs of another queue (the checks' and alert sends') that a runner which died left processing:
   * Payload never takes them again, and its scheduler, counting them as active, never queues the next
   * check — the checks would stop for good. Called under that queue's lock (no live runner of ours
   * holds one of them then); older than `staleAfter` for a runner of someone else's.
   */
  async releaseStaleOfQueue(sql: Sql, queueName: string): Promise<number> {
    const { c } = this
    const { rowCount } = await sql.query(
      `update ${this.t.name} set ${c.processing} = false, ${c.updatedAt} = now() ` +
        `where ${c.queue} = $1 and ${c.processing} and ${c.completedAt} is null ` +
        `and ${c.updatedAt} < now() - make_interval(secs => $2::double precision)`,
      [queueName, this.queue.staleAfter / 1000],
    )
    return rowCount ?? 0
  }

  /** releaseStale of one document, inside a save's transaction: the save's job must not wait behind it. */
  async releaseStaleInRequest(req: PayloadRequest, key: string): Promise<void> {
    // Its failure (a serialization failure, a deadlock, a timeout) must not take the save with it.
    await this.db.inRequestGuarded(req, this.staleSql(key))
  }

  /**
   * A release counts as a try and waits out the job's backoff: a document whose delivery itself
   * kills the runner (out of memory, past the host's time limit every time) is not taken again at
   * once, for ever. Not given up: a runner also dies when an outage makes every delivery outlast the
   * host's limit, and that must end in delivery. The error says how often it died (`deaths`).
   */
  private staleSql(key?: string): string {
    const { c } = this
    const deaths = `coalesce((${c.error}->>'deaths')::int, 0) + 1`
    const wait = `least(${this.queue.maxBackoff}, ${this.queue.backoff} * power(2, least(coalesce(${c.totalTried}, 0), 30)))`
    const message =
      `(${c.input}->>'collection') || ' ' || (${c.input}->>'id') || ': the runner delivering it died (' || (${deaths})::text || ` +
      `' so far: killed at the host''s time limit, or out of memory); tried again after a backoff'`
    return (
      `update ${this.t.name} set ${c.processing} = false, ${c.totalTried} = coalesce(${c.totalTried}, 0) + 1, ` +
      `${c.error} = jsonb_build_object('message', ${message}, 'kind', 'transient', 'operation', 'deliver', 'deaths', ${deaths}, 'at', now()), ` +
      `${c.waitUntil} = now() + make_interval(secs => ${wait} / 1000.0), ${c.updatedAt} = now() ` +
      `where ${this.mine} and ${c.processing} ` +
      `and ${c.updatedAt} < now() - make_interval(secs => ${this.queue.staleAfter / 1000})` +
      (key === undefined ? '' : ` and ${c.key} = ${literal(key)}`)
    )
  }

  /** Whether a document has an uncompleted job, read inside a save's transaction (before it queues its own). */
  async hasJobInRequest(req: PayloadRequest, key: string): Promise<boolean> {
    const rows = await this.db.inRequest(
      req,
      `select 1 as one from ${this.t.name} where ${this.mine} and ${this.c.key} = ${literal(key)} limit 1`,
    )
    return rows.length > 0
  }

  /**
   * Documents of a collection whose delivery has failed before: to be tried again (a job tried at
   * least once), or given up on a conflict. None of `exclude`. Candidates to deliver beside a conflict.
   */
  async retrying(collection: string, limit: number, exclude: readonly string[]): Promise<string[]> {
    const { c } = this
    const { rows } = await this.db.query<{ id: string }>(
      `select distinct ${c.input}->>'id' as id from ${this.t.name} where ${this.mine} and coalesce(${c.totalTried}, 0) > 0 ` +
        `and (coalesce(${c.hasError}, false) = false or ${c.error}->>'kind' = 'conflict') ` +
        `and ${c.input}->>'collection' = $1 and not (${c.input}->>'id' = any($2::text[])) limit $3`,
      [collection, [...exclude], limit],
    )
    return rows.map((row) => row.id)
  }

  /** Makes the jobs waiting out a backoff due now (Supabase answers again); how many. */
  async wake(): Promise<number> {
    const { c } = this
    const { rowCount } = await this.db.query(
      `update ${this.t.name} set ${c.waitUntil} = null where ${this.mine} and coalesce(${c.hasError}, false) = false and ${c.waitUntil} > now()`,
    )
    return rowCount ?? 0
  }

  async counts(): Promise<JobCounts> {
    const { c } = this
    const { rows } = await this.db.query<{
      pending: string
      retrying: string
      failed: string
      oldest: string | null
    }>(
      `select count(*) filter (where not coalesce(${c.hasError}, false))::text as pending, ` +
        `count(*) filter (where not coalesce(${c.hasError}, false) and ${c.waitUntil} > now())::text as retrying, ` +
        `count(*) filter (where ${this.failedFilter})::text as failed, ` +
        `(extract(epoch from now() - min(${c.createdAt}) filter (where not coalesce(${c.hasError}, false))) * 1000)::text as oldest ` +
        `from ${this.t.name} where ${this.mine}`,
    )
    const row = rows[0]
    return {
      pending: Number(row?.pending ?? 0),
      retrying: Number(row?.retrying ?? 0),
      failed: Number(row?.failed ?? 0),
      oldestPendingAgeMs: row?.oldest == null ? null : Math.max(0, Math.round(Number(row.oldest))),
    }
  }

  /** How many documents of each collection failed for good (what `retry` of the collection delivers). */
  async failedDocuments(): Promise<Map<string, number>> {
    const { c } = this
    const { rows } = await this.db.query<{ collection: string; n: string }>(
      `select ${c.input}->>'collection' as collection, count(distinct ${c.key})::text as n ` +
        `from ${this.t.name} where ${this.mine} and ${this.failedFilter} group by 1`,
    )
    return new Map(rows.map((row) => [row.collection, Number(row.n)]))
  }

  /**
   * The documents whose delivery failed for good, most recent failure first (the console shows the
   * first 20: a new failure must be among them however many older ones there are). A document with
   * more than one failed job is listed once, with its latest.
   */
  async failed(limit = 100): Promise<FailedJob[]> {
    const { c } = this
    const { rows } = await this.db.query<{
      collection: string
      id: string
      error: JobError | null
      total_tried: string | null
      updated_at: Date | string
    }>(
      `select collection, id, error, total_tried, updated_at from (` +
        `select distinct on (${c.key}) ${c.input}->>'collection' as collection, ${c.input}->>'id' as id, ${c.error} as error, ${c.totalTried}::text as total_tried, ${c.updatedAt} as updated_at ` +
        `from ${this.t.name} where ${this.mine} and ${this.failedFilter} order by ${c.key}, ${c.updatedAt} desc` +
        `) latest order by updated_at desc limit $1`,
      [limit],
    )
    return rows.map((row) => ({
      collection: row.collection,
      id: row.id,
      error: row.error,
      totalTried: Number(row.total_tried) || 0,
      updatedAt: new Date(row.updated_at).toISOString(),
    }))
  }
}
