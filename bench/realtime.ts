/**
 * Bench (issue 17): the realtime watch.
 *  (a) a row edited in Supabase directly (SQL, as the table editor does) until the plugin has written
 *      it back (policy `revert`): median and p95 over 100 edits, one at a time. The revert is seen with
 *      LISTEN/NOTIFY from a trigger on the Supabase table (added for the bench only), so no polling
 *      skews the figure.
 *  (b) what the watch adds to a bulk edit of 1,000 dealers through Payload: requests to Supabase and
 *      CPU time of this process, with and without `realtime`, alternated (two rounds each). CPU covers
 *      the whole process, the in-process stand-in and its replication stream included, so the ratio
 *      overstates what a plugin-only process spends.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import type { LocalStack } from '../dev/stack.js'
import { whenIdle } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { dealerData, startPayload } from '../test/support/app.js'
import { percentile, sleep } from './figures.js'

const median = (values: number[]) => percentile(values, 50)

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting')
    await sleep(2)
  }
}

export async function benchRealtime(
  stack: LocalStack,
  print: (line: string) => void,
  edits = 100,
): Promise<Record<string, number>> {
  const listener = new pg.Client({ connectionString: stack.supabaseDbUri })
  listener.on('error', () => {})
  await listener.connect()
  await listener.query(`
    create or replace function public.bench_realtime_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('dealer_name', new.id::text || ' ' || new.name); return new; end $$;
    drop trigger if exists bench_realtime_notify on public.dealers;
    create trigger bench_realtime_notify after update on public.dealers for each row execute function public.bench_realtime_notify();`)
  await listener.query('listen dealer_name')
  const seen = new Map<string, number>()
  listener.on('notification', (msg) => {
    seen.set(String(msg.payload), performance.now())
  })
  const direct = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 2 })
  const figures: Record<string, number> = {}
  try {
    // (a) direct edit → revert
    const watched = await startPayload(stack, { sync: { syncOnInit: false, realtime: true } })
    const ids: Array<{ id: string; name: string }> = []
    for (let i = 0; i < 20; i++) {
      const doc = await watched.payload.create({ collection: 'dealers', data: dealerData() })
      ids.push({ id: String(doc.id), name: String(doc.name) })
    }
    await whenIdle(watched.payload)
    await until(() => getRuntime(watched.payload).watch?.status().dealers?.status === 'subscribed')
    const reverts: number[] = []
    for (let i = -10; i < edits; i++) {
      const { id, name } = ids[(i + 10) % ids.length]
      const t = performance.now()
      await direct.query(`update public.dealers set name = $2 where id = $1`, [id, `direct ${i}`])
      await until(() => seen.has(`${id} ${name}`) && seen.get(`${id} ${name}`)! > t, 10_000)
      if (i >= 0) reverts.push(seen.get(`${id} ${name}`)! - t)
      await whenIdle(watched.payload)
    }
    figures.revertP50 = median(reverts)
    figures.revertP95 = percentile(reverts, 95)
    print(
      `direct edit in Supabase → reverted by the plugin, ${edits} edits one at a time: median ${figures.revertP50.toFixed(0)} ms, p95 ${figures.revertP95.toFixed(0)} ms, max ${Math.max(...reverts).toFixed(0)} ms   (target ≤ 1,000 ms)`,
    )
    await watched.payload.destroy()

    // (b) bulk edit with and without the watch
    const rounds: Record<'with' | 'without', Array<{ requests: number; cpuMs: number }>> = {
      with: [],
      without: [],
    }
    let seeded = false
    for (const round of ['without', 'with', 'without', 'with'] as const) {
      const { payload } = await startPayload(stack, {
        sync: { syncOnInit: false, realtime: round === 'with' },
      })
      if (!seeded) {
        await seed(payload, 1000)
        await whenIdle(payload)
        seeded = true
      }
      if (round === 'with')
        await until(() => getRuntime(payload).watch?.status().dealers?.status === 'subscribed')
      const watch = getRuntime(payload).watch
      const eventsBefore = watch?.stats().events ?? 0
      stack.resetStats()
      const cpu = process.cpuUsage()
      await payload.update({
        collection: 'dealers',
        where: { slug: { like: 'bench-rt-' } },
        data: { domain: `bulk-${round}-${rounds[round].length}.example` },
      })
      await whenIdle(payload)
      // The echoes of the 1,000 writes have come back and been looked at.
      if (watch) {
        await until(() => watch.stats().events >= eventsBefore + 1000)
        await whenIdle(payload)
      }
      const used = process.cpuUsage(cpu)
      rounds[round].push({
        requests: stack.stats().total,
        cpuMs: (used.user + used.system) / 1000,
      })
      if (watch && watch.stats().caught) print(`  (caught ${watch.stats().caught}: not expected)`)
      await payload.destroy()
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    figures.bulkRequestsWith = avg(rounds.with.map((r) => r.requests))
    figures.bulkRequestsWithout = avg(rounds.without.map((r) => r.requests))
    figures.bulkCpuWith = avg(rounds.with.map((r) => r.cpuMs))
    figures.bulkCpuWithout = avg(rounds.without.map((r) => r.cpuMs))
    print(
      `bulk edit of 1,000 dealers: requests to Supabase ${figures.bulkRequestsWith} with realtime vs ${figures.bulkRequestsWithout} without; CPU ${figures.bulkCpuWith.toFixed(0)} ms vs ${figures.bulkCpuWithout.toFixed(0)} ms, ratio ${(figures.bulkCpuWith / figures.bulkCpuWithout).toFixed(2)} (whole process, stand-in and replication included; two rounds each, alternated)`,
    )
    return figures
  } finally {
    await direct.end()
    await listener.query('drop trigger if exists bench_realtime_notify on public.dealers')
    await listener.end()
  }
}

async function seed(payload: Payload, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, k) =>
        payload.create({ collection: 'dealers', data: dealerData({ slug: `bench-rt-${i + k}` }) }),
      ),
    )
}
