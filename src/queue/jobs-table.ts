/**
 * Payload's jobs table as the sync task's statements name it: the quoted columns by field, the id's
 * SQL type, and the filter every statement shares. Names come from the adapter's schema, so `dbName`
 * and a custom schema are honoured.
 */
import { cancelledByJobsApiSql } from './cancelled.js'
import { literal, type PayloadDatabase } from './database.js'
import { syncTaskSlug } from './keys.js'

export type JobColumn =
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
  | 'updatedAt'

export interface JobsTable {
  /** Quoted, schema-qualified. */
  name: string
  c: Record<JobColumn, string>
  idType: string
  /** Filters every statement shares: our task, our queue, not completed. */
  mine: string
  /**
   * Failed for good: has an error, and was not cancelled with Payload's jobs API (cancelled.ts: it will
   * never run and did not fail — neither failed nor pending).
   */
  failed: string
}

export function jobsTable(db: PayloadDatabase, queueName: string): JobsTable {
  const t = db.table('payload-jobs')
  const col = (field: string) => t.column(field)
  const c: Record<JobColumn, string> = {
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
  return {
    name: t.name,
    c,
    idType: t.sqlType('id'),
    mine: `${c.taskSlug} = ${literal(syncTaskSlug)} and ${c.queue} = ${literal(queueName)} and ${c.completedAt} is null`,
    failed: `coalesce(${c.hasError}, false) and not ${cancelledByJobsApiSql(c.error)}`,
  }
}
