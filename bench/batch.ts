/**
 * Bench (issue 8): many pending changes reach Supabase in few requests. With latency added by the
 * stand-in (20 ms per request by default):
 *  (a) a bulk update of 1,000 dealers through the Local API (`payload.update` with `where`): time from
 *      the call's return until all 1,000 rows are in Supabase, and the requests sent;
 *  (b) a backlog of 1,000 changes made while Supabase was down: time from `up()` until all are in
 *      Supabase, and the requests sent.
 * Default plugin settings, but no startup reconcile. Arrival is observed with LISTEN/NOTIFY from a
 * trigger on the Supabase table (added for the bench only), so no polling skews the figures.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import type { LocalStack } from '../dev/stack.js'
import type { RequestStats } from '../dev/postgrest/server.js'
import { whenIdle } from '../src/index.js'
import { dealerData, startPayload } from '../test/support/app.js'
import { sleep } from './figures.js'

/** Arrivals of rows in Supabase: for each id, the names it was written with, and when. */
class Arrivals {
  private readonly seen = new Map<string, number>()
  private waiters: Array<() => void> = []
  private prefix = ''

  constructor(readonly listener: pg.Client) {
    listener.on('notification', (msg) => {
      const text = String(msg.payload)
      const space = text.indexOf(' ')
      const id = text.slice(0, space)
      const name = text.slice(space + 1)
      if (this.prefix && name.startsWith(this.prefix) && !this.seen.has(id)) {
        this.seen.set(id, performance.now())
        for (const wake of this.waiters.splice(0)) wake()
      }
    })
  }

  /** Starts counting rows written with a name starting with `prefix`. */
  expect(prefix: string): void {
    this.prefix = prefix
    this.seen.clear()
  }

  get count(): number {
    return this.seen.size
  }

  /** The time the `count`-th matching row arrived (undefined on timeout). */
  async all(count: number, timeoutMs: number): Promise<number | undefined> {
    const deadline = performance.now() + timeoutMs
    while (this.seen.size < count && performance.now() < deadline) {
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(100)])
    }
    if (this.seen.size < count) return undefined
    return Math.max(...this.seen.values())
  }
}

const upserts = (s: RequestStats) => s.byTable['rpc/supabase_sync_apply']?.POST ?? 0
const describe = (s: RequestStats) =>
  `${s.total} requests (${upserts(s)} upserts, ${s.byTable.dealers?.DELETE ?? 0} deletes, ${s.total - upserts(s) - (s.byTable.dealers?.DELETE ?? 0)} other)`

async function pendingSyncJobs(
  payload: Payload,
  where: Record<string, unknown> = {},
): Promise<number> {
  const { totalDocs } = await payload.count({
    collection: 'payload-jobs',
    where: {
      and: [
        { taskSlug: { equals: 'supabase-sync' } },
        { completedAt: { exists: false } },
        { hasError: { not_equals: true } },
        where,
      ],
    } as never,
  })
  return totalDocs
}

export async function benchBatch(
  stack: LocalStack,
  print: (line: string) => void,
  count = 1000,
  latencyMs = 20,
): Promise<Record<string, number>> {
  const listener = new pg.Client({ connectionString: stack.supabaseDbUri })
  listener.on('error', () => {})
  await listener.connect()
  await listener.query(`
    create or replace function public.bench_batch_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('dealer_batch', new.id::text || ' ' || coalesce(new.name, '')); return new; end $$;
    drop trigger if exists bench_batch_notify on public.dealers;
    create trigger bench_batch_notify after insert or update on public.dealers for each row execute function public.bench_batch_notify();`)
  await listener.query('listen dealer_batch')
  const arrivals = new Arrivals(listener)

  const { payload } = await startPayload(stack, { sync: { syncOnInit: false } })
  const figures: Record<string, number> = {}
  try {
    // 1,000 dealers, in Supabase already (delivered by the plugin, without latency).
    const stamp = Date.now().toString(36)
    const domain = `batch-${stamp}.example.com`
    arrivals.expect(`Batch ${stamp}`)
    const ids: string[] = []
    for (let i = 0; i < count; i += 50) {
      const docs = await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, k) =>
          payload.create({
            collection: 'dealers',
            data: dealerData({
              name: `Batch ${stamp} ${i + k}`,
              slug: `batch-${stamp}-${i + k}`,
              domain,
            }),
          }),
        ),
      )
      ids.push(...docs.map((d) => String(d.id)))
    }
    if ((await arrivals.all(count, 60_000)) === undefined)
      throw new Error(`seeding: only ${arrivals.count} of ${count} dealers reached Supabase`)
    await whenIdle(payload)

    stack.faults.latency(latencyMs)

    // (a) the bulk update.
    arrivals.expect(`Bulk ${stamp}`)
    stack.resetStats()
    const callStarted = performance.now()
    const result = await payload.update({
      collection: 'dealers',
      where: { domain: { equals: domain } },
      data: { name: `Bulk ${stamp}` },
    })
    const returned = performance.now()
    if (result.docs.length !== count || result.errors.length)
      throw new Error(`bulk update: ${result.docs.length} updated, ${result.errors.length} errors`)
    const bulkArrived = await arrivals.all(count, 120_000)
    const bulkStats = stack.stats()
    await whenIdle(payload)
    const bulkAfterIdle = stack.stats()
    figures.bulkCallMs = returned - callStarted
    figures.bulkMs =
      bulkArrived === undefined ? Number.POSITIVE_INFINITY : Math.max(0, bulkArrived - returned)
    figures.bulkRequests = bulkAfterIdle.total
    print('')
    print(
      `(a) bulk update of ${count} dealers (payload.update with where, +${latencyMs} ms per request): the call took ${(figures.bulkCallMs / 1000).toFixed(1)} s`,
    )
    print(
      `    call's return → all ${count} rows in Supabase: ${figures.bulkMs.toFixed(0)} ms, ${describe(bulkStats)}` +
        (bulkAfterIdle.total !== bulkStats.total
          ? `; ${bulkAfterIdle.total} requests once idle`
          : '') +
        '   (target ≤ 2000 ms, ≤ 50 requests)',
    )

    // (b) the backlog: 1,000 changes while Supabase is down, then it comes back.
    await stack.faults.down()
    arrivals.expect(`Backlog ${stamp}`)
    const changesStarted = performance.now()
    for (let i = 0; i < count; i += 20) {
      await Promise.all(
        ids.slice(i, i + 20).map((id, k) =>
          payload.update({
            collection: 'dealers',
            id,
            data: { name: `Backlog ${stamp} ${i + k}` },
          }),
        ),
      )
    }
    const changesMs = performance.now() - changesStarted
    // Down long enough that every job has failed twice and waits out a backoff of seconds.
    const deadline = Date.now() + 90_000
    while (
      Date.now() < deadline &&
      (await pendingSyncJobs(payload, { totalTried: { greater_than_equal: 2 } })) < count
    )
      await sleep(250)
    await sleep(1_000)
    const downFor = performance.now() - changesStarted
    const pending = await pendingSyncJobs(payload)
    const tried = await pendingSyncJobs(payload, { totalTried: { greater_than_equal: 2 } })
    const waiting = await pendingSyncJobs(payload, {
      waitUntil: { greater_than: new Date(Date.now() + 1_000).toISOString() },
    })
    if (arrivals.count)
      throw new Error(`backlog: ${arrivals.count} rows arrived while Supabase was down`)
    stack.resetStats()
    await stack.faults.up()
    const upAt = performance.now()
    const backlogArrived = await arrivals.all(count, 120_000)
    const backlogStats = stack.stats()
    await whenIdle(payload)
    const backlogAfterIdle = stack.stats()
    figures.backlogMs =
      backlogArrived === undefined ? Number.POSITIVE_INFINITY : Math.max(0, backlogArrived - upAt)
    figures.backlogRequests = backlogAfterIdle.total
    print('')
    print(
      `(b) backlog: ${count} saves while Supabase was down for ${(downFor / 1000).toFixed(1)} s (saves made in ${(changesMs / 1000).toFixed(1)} s; ` +
        `at up(): ${pending} jobs pending, ${tried} tried twice or more, ${waiting} due in more than 1 s), +${latencyMs} ms per request`,
    )
    print(
      `    up() → all ${count} rows in Supabase: ${figures.backlogMs.toFixed(0)} ms, ${describe(backlogStats)}` +
        (backlogAfterIdle.total !== backlogStats.total
          ? `; ${backlogAfterIdle.total} requests once idle`
          : '') +
        '   (target ≤ 2000 ms, ≤ 50 requests)',
    )
    return figures
  } finally {
    stack.faults.latency(0)
    await stack.faults.up()
    await payload.destroy()
    await listener
      .query('drop trigger if exists bench_batch_notify on public.dealers')
      .catch(() => {})
    await listener.end()
  }
}
