/**
 * Bench: the startup reconcile of N dealers against the seed's loop and against a floor, side by side
 * in one run (absolute times on shared machines are noisy; ratios are what we report).
 *   (a) the plugin's reconcile: into an empty table, and into an in-sync table
 *   (b) the seed's algorithm: payload.find({ limit: 1000 }), then one awaited upsert per dealer
 *   (c) the floor: one Payload find, then batched multi-row INSERT … ON CONFLICT straight into the
 *       Supabase database with pg (no HTTP, no PostgREST)
 * (a) and (b) run on loopback and again with 20 ms latency added by the stand-in. The stand-in runs in
 * a process of its own, as Supabase's PostgREST runs on machines of its own: the app's process pays for
 * its side of the HTTP requests, as (c) pays for its side of the INSERTs, not for the server's.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import { dealerMapper } from '../src/index.js'
import { reconcileDeps } from '../src/lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { reconcile } from '../src/reconcile/reconcile.js'
import type { LocalStack } from '../dev/stack.js'
import type { StandinProcess } from './standin-process.js'
import { createServiceClient } from '../src/supabase/client.js'

export interface ReconcileBenchResult {
  label: string
  docs: number
  ms: number
  requests: number
}

const rate = (r: ReconcileBenchResult) => (r.docs / r.ms) * 1000
const perDoc = (r: ReconcileBenchResult) => r.ms / r.docs

async function truncate(db: pg.Pool) {
  await db.query('truncate public.dealers')
}

async function planA(
  payload: Payload,
  standin: StandinProcess,
  label: string,
): Promise<ReconcileBenchResult> {
  const runtime = getRuntime(payload)
  await standin.resetStats()
  const started = performance.now()
  const summary = await reconcile(reconcileDeps(runtime), syncedCollection(runtime))
  const ms = performance.now() - started
  return { label, docs: summary.scanned, ms, requests: (await standin.stats()).total }
}

async function planB(
  payload: Payload,
  standin: StandinProcess,
  label: string,
): Promise<ReconcileBenchResult> {
  const client = await createServiceClient(standin.supabaseUrl, standin.serviceRoleKey)
  await standin.resetStats()
  const started = performance.now()
  // The seed's syncAllDealersToSupabase, verbatim in spirit (including its silent 1,000 cap).
  const { docs: dealers } = await payload.find({ collection: 'dealers', limit: 1000, depth: 0 })
  for (const dealer of dealers as Record<string, any>[]) {
    const dealerData = {
      id: dealer.id,
      name: dealer.name,
      slug: dealer.slug,
      domain: dealer.domain,
      rooftop_id: dealer.homenet_config?.rooftop_id || null,
      api_config: {
        platforms: dealer.platforms || [],
        homenet_config: dealer.homenet_config || {},
        dealer_com_config: dealer.dealer_com_config,
        vinsolutions_config: dealer.vinsolutions_config,
        custom_config: dealer.custom_config,
        utm_config: dealer.utm_config,
      },
      created_at: dealer.createdAt,
    }
    await client.from('dealers').upsert(dealerData, { onConflict: 'id' })
  }
  const ms = performance.now() - started
  return { label, docs: dealers.length, ms, requests: (await standin.stats()).total }
}

export async function planC(
  payload: Payload,
  db: pg.Pool,
  batchSize: number,
): Promise<ReconcileBenchResult> {
  const started = performance.now()
  const { docs } = await payload.find({
    collection: 'dealers',
    limit: 0,
    pagination: false,
    depth: 0,
  })
  let requests = 0
  for (let i = 0; i < docs.length; i += batchSize) {
    const rows = docs.slice(i, i + batchSize).map((d) => dealerMapper.toRow(d as never)!)
    // The table's mark trigger (sql/005) takes its cheap path for these rows, as it does for the
    // plugin's writes (supabase_sync.applying on): marked as written around the plugin, the floor
    // would pay a JSON round trip per row the plugin does not, and its ratio would flatter the plugin.
    await db.query(
      `with own as materialized (select pg_catalog.set_config('supabase_sync.applying', 'on', true))
       insert into public.dealers (id, name, slug, domain, rooftop_id, api_config, created_at, updated_at)
       select x.* from jsonb_to_recordset($1::jsonb) as x(id uuid, name text, slug text, domain text, rooftop_id text, api_config jsonb, created_at timestamptz, updated_at timestamptz), own
       on conflict (id) do update set name = excluded.name, slug = excluded.slug, domain = excluded.domain, rooftop_id = excluded.rooftop_id,
         api_config = excluded.api_config, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      [JSON.stringify(rows)],
    )
    requests++
  }
  const ms = performance.now() - started
  return { label: '(c) floor: one find + batched INSERT via pg', docs: docs.length, ms, requests }
}

export async function benchReconcile(
  payload: Payload,
  stack: LocalStack,
  standin: StandinProcess,
  print: (line: string) => void,
): Promise<Record<string, number>> {
  const db = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 2 })
  const batchSize = getRuntime(payload).options.batchSize
  const results: ReconcileBenchResult[] = []
  const median = (runs: ReconcileBenchResult[]) =>
    [...runs].sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)]
  try {
    // One untimed run of each first (JIT, caches), then floor and reconcile alternately, medians of five (this machine varies ±10 % run to run).
    await truncate(db)
    await planC(payload, db, batchSize)
    await truncate(db)
    await planA(payload, standin, 'warm-up')
    const cs: ReconcileBenchResult[] = []
    const empties: ReconcileBenchResult[] = []
    for (let i = 0; i < 5; i++) {
      await truncate(db)
      cs.push(await planC(payload, db, batchSize))
      await truncate(db)
      empties.push(await planA(payload, standin, '(a) reconcile into an empty table, loopback'))
    }
    const c = median(cs)
    const aEmpty = median(empties)
    const aInSync = await planA(payload, standin, '(a) reconcile into an in-sync table, loopback')
    const inSyncStats = await standin.stats()
    const inSyncWrites = (inSyncStats.byMethod.POST ?? 0) + (inSyncStats.byMethod.DELETE ?? 0)
    await truncate(db)
    const b = await planB(payload, standin, '(b) seed loop (1,000 cap), loopback')

    await standin.latency(20)
    await truncate(db)
    const aSlow = await planA(payload, standin, '(a) reconcile into an empty table, +20 ms')
    await truncate(db)
    const bSlow = await planB(payload, standin, '(b) seed loop (1,000 cap), +20 ms')
    await standin.latency(0)

    results.push(c, aEmpty, aInSync, b, aSlow, bSlow)
    print('')
    print('(c) and (a) empty: medians of 5 runs, alternated, after one warm-up run of each')
    print('| plan | docs | ms | docs/s | requests |')
    print('|---|---:|---:|---:|---:|')
    for (const r of results)
      print(
        `| ${r.label} | ${r.docs} | ${r.ms.toFixed(0)} | ${rate(r).toFixed(0)} | ${r.requests} |`,
      )
    const ratios = {
      a_over_c: aEmpty.ms / c.ms,
      b_over_a_loopback_per_doc: perDoc(b) / perDoc(aEmpty),
      b_over_a_20ms_per_doc: perDoc(bSlow) / perDoc(aSlow),
      in_sync_writes: inSyncWrites,
    }
    print('')
    print(
      `(a)/(c), empty table:                 ${ratios.a_over_c.toFixed(2)}×   (target ≤ 1.5)   [runs: ${empties.map((r) => r.ms.toFixed(0)).join(', ')} vs ${cs.map((r) => r.ms.toFixed(0)).join(', ')} ms]`,
    )
    print(`(a)/(c), in-sync table:               ${(aInSync.ms / c.ms).toFixed(2)}×`)
    print(
      `(b)/(a) per document, loopback:       ${ratios.b_over_a_loopback_per_doc.toFixed(1)}×   (target ≥ 10)`,
    )
    print(
      `(b)/(a) per document, +20 ms latency: ${ratios.b_over_a_20ms_per_doc.toFixed(1)}×   (target ≥ 100)`,
    )
    print(`writes sent by the in-sync reconcile: ${inSyncWrites}   (target 0)`)
    return ratios
  } finally {
    await db.end()
  }
}
