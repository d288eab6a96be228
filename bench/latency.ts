/**
 * Bench: how long from a save's commit until its row is in Supabase (default settings), and what the
 * plugin adds to the save itself (the job queued in the save's transaction), side by side in one run.
 * Arrival is observed with LISTEN/NOTIFY from a trigger on the Supabase table (added for the bench
 * only), so no polling skews the figures.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import type { LocalStack } from '../dev/stack.js'
import { dealerData, startPayload } from '../test/support/app.js'
import { percentile } from './figures.js'

async function createDatabase(uri: string, name: string): Promise<string> {
  const admin = new URL(uri)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  await client.query(`drop database if exists "${name}"`)
  await client.query(`create database "${name}"`)
  await client.end()
  const out = new URL(uri)
  out.pathname = `/${name}`
  return out.toString()
}

export async function benchLatency(
  stack: LocalStack,
  print: (line: string) => void,
  saves = 200,
): Promise<Record<string, number>> {
  const listener = new pg.Client({ connectionString: stack.supabaseDbUri })
  listener.on('error', () => {})
  await listener.connect()
  await listener.query(`
    create or replace function public.bench_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('dealer_written', new.id::text || ' ' || coalesce(to_json(new.updated_at) #>> '{}', '')); return new; end $$;
    drop trigger if exists bench_notify on public.dealers;
    create trigger bench_notify after insert or update on public.dealers for each row execute function public.bench_notify();`)
  await listener.query('listen dealer_written')
  const arrivals = new Map<string, number>()
  listener.on('notification', (msg) => {
    const [id, updatedAt] = String(msg.payload).split(' ')
    arrivals.set(`${id} ${Date.parse(updatedAt)}`, performance.now())
  })

  const withPlugin = await startPayload(stack, { sync: { syncOnInit: false } })
  const plainUri = await createDatabase(stack.databaseUri, 'payload_plain')
  const plain = await startPayload({ ...stack, databaseUri: plainUri }, { withoutPlugin: true })
  try {
    const a = await withPlugin.payload.create({ collection: 'dealers', data: dealerData() })
    const b = await plain.payload.create({ collection: 'dealers', data: dealerData() })
    const latencies: number[] = []
    const saveWith: number[] = []
    const saveWithout: number[] = []
    const update = async (payload: Payload, id: string | number, i: number) => {
      const t = performance.now()
      const doc = await payload.update({
        collection: 'dealers',
        id,
        data: { name: `latency ${i}`, homenet_config: { rooftop_id: `L${i}` } },
      })
      return { committed: performance.now(), ms: performance.now() - t, doc }
    }
    // Warm both up.
    for (let i = 0; i < 20; i++) {
      await update(withPlugin.payload, a.id, -i)
      await update(plain.payload, b.id, -i)
    }
    await new Promise((r) => setTimeout(r, 500))
    for (let i = 0; i < saves; i++) {
      // Interleaved, alternating which goes first, so that drift on the machine hits both alike.
      const first = i % 2 === 0
      if (!first) saveWithout.push((await update(plain.payload, b.id, i)).ms)
      const { committed, ms, doc } = await update(withPlugin.payload, a.id, i)
      saveWith.push(ms)
      if (first) saveWithout.push((await update(plain.payload, b.id, i)).ms)
      const key = `${doc.id} ${Date.parse(String(doc.updatedAt))}`
      const deadline = performance.now() + 10_000
      while (!arrivals.has(key) && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 1))
      const arrived = arrivals.get(key)
      latencies.push(
        arrived === undefined ? Number.POSITIVE_INFINITY : Math.max(0, arrived - committed),
      )
      // Space saves out a little, as an editor would: each is its own delivery.
      await new Promise((r) => setTimeout(r, 5))
    }
    const figures = {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      max: Math.max(...latencies),
      saveWithP50: percentile(saveWith, 50),
      saveWithoutP50: percentile(saveWithout, 50),
      ratio: percentile(saveWith, 50) / percentile(saveWithout, 50),
    }
    print('')
    print(
      `commit → row in Supabase, ${saves} saves, default settings: p50 ${figures.p50.toFixed(1)} ms, p95 ${figures.p95.toFixed(1)} ms, max ${figures.max.toFixed(1)} ms   (target p95 ≤ 500 ms)`,
    )
    print(
      `save time (median): with the plugin ${figures.saveWithP50.toFixed(2)} ms, without ${figures.saveWithoutP50.toFixed(2)} ms, ratio ${figures.ratio.toFixed(2)}   (target ≤ 1.10)`,
    )
    return figures
  } finally {
    await withPlugin.payload.destroy()
    await plain.payload.destroy()
    await listener.query('drop trigger if exists bench_notify on public.dealers')
    await listener.end()
  }
}
