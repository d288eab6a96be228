/** The rollups of a range, read for the console's charts (rows of every instance and collection). */
import { rollupsSlug } from '../../collections/monitoring.js'
import type { SyncRuntime } from '../../lifecycle/runtime.js'
import {
  historyRanges,
  historySeries,
  type HistoryPoint,
  type HistoryRange,
  type RollupRow,
} from '../../monitoring/history.js'

export async function loadHistory(
  runtime: SyncRuntime,
  range: HistoryRange,
  now = Date.now(),
): Promise<HistoryPoint[]> {
  const t = runtime.db.table(rollupsSlug)
  const c = (field: string) => t.column(field)
  const { ms, stepMs } = historyRanges[range]
  const { rows } = await runtime.db.query<RollupRow>(
    `select ${c('minute')} as minute, ${c('deliveries')} as deliveries, ${c('failures')} as failures, ` +
      `${c('requests')} as requests, ${c('pending')} as pending, ${c('lag')} as lag ` +
      `from ${t.name} where ${c('minute')} >= $1`,
    [new Date(now - ms - stepMs)],
  )
  return historySeries(rows, range, now)
}
