/** What operators see of the sync task's jobs: the counts, and the documents that failed for good. */
import type { PayloadDatabase } from './database.js'
import type { FailedJob, JobCounts, JobError } from './job-types.js'
import type { JobsTable } from './jobs-table.js'

export async function jobCounts(db: PayloadDatabase, table: JobsTable): Promise<JobCounts> {
  const { c } = table
  const { rows } = await db.query<{
    pending: string
    retrying: string
    failed: string
    oldest: string | null
  }>(
    `select count(*) filter (where not coalesce(${c.hasError}, false))::text as pending, ` +
      `count(*) filter (where not coalesce(${c.hasError}, false) and ${c.waitUntil} > now())::text as retrying, ` +
      `count(*) filter (where ${table.failed})::text as failed, ` +
      `(extract(epoch from now() - min(${c.createdAt}) filter (where not coalesce(${c.hasError}, false))) * 1000)::text as oldest ` +
      `from ${table.name} where ${table.mine}`,
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
export async function failedDocumentCounts(
  db: PayloadDatabase,
  table: JobsTable,
): Promise<Map<string, number>> {
  const { c } = table
  const { rows } = await db.query<{ collection: string; n: string }>(
    `select ${c.input}->>'collection' as collection, count(distinct ${c.key})::text as n ` +
      `from ${table.name} where ${table.mine} and ${table.failed} group by 1`,
  )
  return new Map(rows.map((row) => [row.collection, Number(row.n)]))
}

/**
 * The documents whose delivery failed for good, most recent failure first (the console shows the
 * first 20: a new failure must be among them however many older ones there are). A document with
 * more than one failed job is listed once, with its latest.
 */
export async function failedJobs(
  db: PayloadDatabase,
  table: JobsTable,
  limit: number,
): Promise<FailedJob[]> {
  const { c } = table
  const { rows } = await db.query<{
    collection: string
    id: string
    error: JobError | null
    total_tried: string | null
    updated_at: Date | string
  }>(
    `select collection, id, error, total_tried, updated_at from (` +
      `select distinct on (${c.key}) ${c.input}->>'collection' as collection, ${c.input}->>'id' as id, ${c.error} as error, ${c.totalTried}::text as total_tried, ${c.updatedAt} as updated_at ` +
      `from ${table.name} where ${table.mine} and ${table.failed} order by ${c.key}, ${c.updatedAt} desc` +
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
