/**
 * The statements that release jobs a runner left processing when it died (stale.ts says when they
 * run): Payload has no recovery for them.
 */
import type { QueueOptions } from '../options.js'
import { literal, type Sql } from './database.js'
import type { JobsTable } from './jobs-table.js'

/**
 * The sync task's stale jobs, all of them or those of `key`. A release counts as a try and waits out
 * the job's backoff: a document whose delivery itself kills the runner (out of memory, past the host's
 * time limit every time) is not taken again at once, for ever. Not given up: a runner also dies when
 * an outage makes every delivery outlast the host's limit, and that must end in delivery. The error
 * says how often it died (`deaths`).
 */
export function releaseStaleSql(table: JobsTable, queue: QueueOptions, key?: string): string {
  const { c } = table
  const deaths = `coalesce((${c.error}->>'deaths')::int, 0) + 1`
  const wait = `least(${queue.maxBackoff}, ${queue.backoff} * power(2, least(coalesce(${c.totalTried}, 0), 30)))`
  const message =
    `(${c.input}->>'collection') || ' ' || (${c.input}->>'id') || ': the runner delivering it died (' || (${deaths})::text || ` +
    `' so far: killed at the host''s time limit, or out of memory); tried again after a backoff'`
  return (
    `update ${table.name} set ${c.processing} = false, ${c.totalTried} = coalesce(${c.totalTried}, 0) + 1, ` +
    `${c.error} = jsonb_build_object('message', ${message}, 'kind', 'transient', 'operation', 'deliver', 'deaths', ${deaths}, 'at', now()), ` +
    `${c.waitUntil} = now() + make_interval(secs => ${wait} / 1000.0), ${c.updatedAt} = now() ` +
    `where ${table.mine} and ${c.processing} ` +
    `and ${c.updatedAt} < now() - make_interval(secs => ${queue.staleAfter / 1000})` +
    (key === undefined ? '' : ` and ${c.key} = ${literal(key)}`)
  )
}

/**
 * Jobs of another queue (the checks' and alert sends') that a runner which died left processing:
 * Payload never takes them again, and its scheduler, counting them as active, never queues the next
 * check — the checks would stop for good. Called under that queue's lock (no live runner of ours
 * holds one of them then); older than `staleAfter` for a runner of someone else's. How many.
 */
export async function releaseStaleInQueue(
  sql: Sql,
  table: JobsTable,
  queueName: string,
  staleAfter: number,
): Promise<number> {
  const { c } = table
  const { rowCount } = await sql.query(
    `update ${table.name} set ${c.processing} = false, ${c.updatedAt} = now() ` +
      `where ${c.queue} = $1 and ${c.processing} and ${c.completedAt} is null ` +
      `and ${c.updatedAt} < now() - make_interval(secs => $2::double precision)`,
    [queueName, staleAfter / 1000],
  )
  return rowCount ?? 0
}
