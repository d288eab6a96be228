/**
 * Per-minute history across restarts and instances: each instance counts deliveries, failures,
 * requests and lag per minute and collection, and adds its counts to the minute's row once the minute
 * is over (rows of several instances sum up; lag as bucket counts, so that percentiles stay right).
 * Rows older than the retention are deleted as it goes.
 */
import { rollupsSlug } from '../collections/monitoring.js'
import type { PayloadDatabase, TableRef } from '../queue/database.js'

/** Upper bounds of the lag buckets, ms; the last bucket takes everything above. */
export const lagBuckets = [
  10,
  25,
  50,
  100,
  250,
  500,
  1_000,
  2_500,
  5_000,
  10_000,
  30_000,
  60_000,
  300_000,
  Infinity,
]

interface Minute {
  deliveries: number
  failures: number
  requests: number
  pending: number
  lag: number[]
}

const minuteOf = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString()

/** The lag at a percentile (0-1) from bucket counts: the upper bound of the bucket it falls in. */
export function lagPercentile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0)
  if (!total) return null
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0
    if (seen >= p * total) return lagBuckets[i] === Infinity ? lagBuckets[i - 1] : lagBuckets[i]
  }
  return null
}

export class Rollups {
  private readonly minutes = new Map<string, Minute>()
  private readonly t: TableRef

  constructor(
    private readonly db: PayloadDatabase,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {
    this.t = db.table(rollupsSlug)
  }

  private bucket(collection: string): Minute {
    const key = `${minuteOf(this.now())}|${collection}`
    let minute = this.minutes.get(key)
    if (!minute)
      this.minutes.set(
        key,
        (minute = {
          deliveries: 0,
          failures: 0,
          requests: 0,
          pending: 0,
          lag: lagBuckets.map(() => 0),
        }),
      )
    return minute
  }

  /** Documents written or deleted (`deliveries`) and failed, with the lags of those delivered from jobs. */
  delivered(
    collection: string,
    counts: { deliveries: number; failures: number },
    lags: readonly number[],
  ): void {
    const minute = this.bucket(collection)
    minute.failures += counts.failures
    minute.deliveries += counts.deliveries
    for (const lagMs of lags) minute.lag[lagBuckets.findIndex((bound) => lagMs <= bound)]++
  }

  requested(): void {
    this.bucket('*').requests++
  }

  pending(count: number): void {
    const minute = this.bucket('*')
    minute.pending = Math.max(minute.pending, count)
  }

  /** Adds the finished minutes (all, with `all`) to their rows, and drops rows past the retention. */
  async flush(all = false): Promise<void> {
    const current = minuteOf(this.now())
    const done = [...this.minutes.entries()].filter(([key]) => all || !key.startsWith(current))
    if (!done.length) return
    for (const [key] of done) this.minutes.delete(key)
    const c = (field: string) => this.t.column(field)
    await this.db.query(
      `insert into ${this.t.name} as r (${c('id')}, ${c('minute')}, ${c('collectionSlug')}, ${c('deliveries')}, ${c('failures')}, ${c('requests')}, ${c('pending')}, ${c('lag')}) ` +
        `select k, split_part(k, '|', 1)::timestamptz, split_part(k, '|', 2), d, f, q, p, l from unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[], $6::jsonb[]) as u(k, d, f, q, p, l) ` +
        `on conflict (${c('id')}) do update set ${c('deliveries')} = r.${c('deliveries')} + excluded.${c('deliveries')}, ${c('failures')} = r.${c('failures')} + excluded.${c('failures')}, ` +
        `${c('requests')} = r.${c('requests')} + excluded.${c('requests')}, ${c('pending')} = greatest(r.${c('pending')}, excluded.${c('pending')}), ` +
        `${c('lag')} = (select jsonb_agg(coalesce((a.v)::numeric, 0) + coalesce((b.v)::numeric, 0) order by i) from jsonb_array_elements(r.${c('lag')}) with ordinality a(v, i) full join jsonb_array_elements(excluded.${c('lag')}) with ordinality b(v, i) using (i))`,
      [
        done.map(([key]) => key),
        done.map(([, m]) => m.deliveries),
        done.map(([, m]) => m.failures),
        done.map(([, m]) => m.requests),
        done.map(([, m]) => m.pending),
        done.map(([, m]) => JSON.stringify(m.lag)),
      ],
    )
    await this.db.query(
      `delete from ${this.t.name} where ${c('minute')} < now() - make_interval(days => $1)`,
      [this.retentionDays],
    )
  }
}
