/**
 * `npm run bench -- --scale [--largest 1000000]`: the reconcile and validate at 10,000 and 100,000
 * dealers (or `--largest`), in one run —
 * time, documents per second, requests, and peak RSS growth over the idle process; also at +20 ms per
 * Supabase request; then the command's validate of 100,000 cancelled with Ctrl-C (how long it takes to
 * stop, how often it printed progress). The first 10,000 dealers are made with `payload.create`, the
 * other 90,000 with SQL straight into Payload's tables.
 * The stand-in runs in a child process: the memory measured is the app's, as it would be beside a
 * real Supabase.
 */
import { spawn } from 'node:child_process'
import v8 from 'node:v8'
import pg from 'pg'
import type { Payload } from 'payload'
import type { LocalStack } from '../dev/stack.js'
import { reconcileDeps, validateDeps } from '../src/lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { reconcile } from '../src/reconcile/reconcile.js'
import { validate } from '../src/reconcile/validate.js'
import { startPayload } from '../test/support/app.js'
import { createDealers, seedDealersSql } from '../test/support/seed.js'
import { planC } from './reconcile.js'
import { mb, measure } from './memory.js'
import { reconcileWithFlags } from './scale-capped.js'
import { startStandinProcess, type StandinProcess } from './standin-process.js'

interface Measured {
  label: string
  docs: number
  ms: number
  requests: number
  writes: number
  rssMb: number
  heapMb: number
  liveMb: number
  note?: string
}

/** The heap V8 gives itself in a container with 4 GB of memory (a quarter of it; Node reads the cgroup limit). */
const cappedHeapMb = 1024
/** V8's default lets the old generation grow by far more before a full collection. */
const growingPercent = 20

async function cancelFromCommand(
  stack: LocalStack,
  standin: StandinProcess,
  print: (line: string) => void,
  big: string,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['node_modules/payload/bin.js', 'supabase-sync', 'validate'],
    {
      env: {
        ...process.env,
        PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
        DATABASE_URI: stack.databaseUri,
        SUPABASE_URL: standin.supabaseUrl,
        SUPABASE_SERVICE_ROLE_KEY: standin.serviceRoleKey,
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: number[] = []
  let sigintAt = 0
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    for (const line of chunk.toString().split('\n')) {
      if (!/ documents, /.test(line)) continue
      lines.push(Date.now())
      // After the second progress line: well into the run.
      if (lines.length === 2 && !sigintAt) {
        sigintAt = Date.now()
        child.kill('SIGINT')
      }
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  const stoppedMs = sigintAt ? Date.now() - sigintAt : NaN
  const gaps = lines.slice(1).map((t, i) => t - lines[i])
  print(
    `command validate of ${big} cancelled with Ctrl-C: stopped ${Number.isNaN(stoppedMs) ? '(never got that far)' : `${stoppedMs} ms`} after SIGINT, exit ${code}; progress lines every ${gaps.length ? `${Math.max(...gaps)} ms at most` : '(one line)'} (target: stop ≤ 1000 ms, lines ≤ 2000 ms apart)`,
  )
  if (!/cancelled after/.test(stderr))
    print(
      `  (its stderr did not say "cancelled after": ${stderr.split('\n').slice(-3).join(' | ')})`,
    )
}

export async function benchScale(
  stack: LocalStack,
  print: (line: string) => void,
  /** The larger table (`--largest`): 100,000 by default. */
  largest = 100_000,
): Promise<void> {
  const big = largest.toLocaleString('en')
  const standin = await startStandinProcess(stack)
  const { payload } = await startPayload(
    { ...stack, supabaseUrl: standin.supabaseUrl, serviceRoleKey: standin.serviceRoleKey },
    {
      sync: { syncOnInit: false, queue: { sweepInterval: false, runAfterCommit: false } },
    },
  )
  const supabase = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 2 })
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime)
  const results: Measured[] = []
  const measured = async (
    label: string,
    docs: number,
    work: () => Promise<unknown>,
    note?: (value: unknown) => string,
  ): Promise<Measured> => {
    const m = await measure(standin, work)
    return {
      label,
      docs,
      ms: m.ms,
      requests: m.requests,
      writes: m.writes,
      rssMb: m.rssMb,
      heapMb: m.heapMb,
      liveMb: m.liveMb,
      note: note?.(m.value),
    }
  }
  const run = async (...args: Parameters<typeof measured>) => {
    results.push(await measured(...args))
  }
  let floorRatio: { reconcile: number; floor: number; runs: [number[], number[]] } | undefined
  try {
    let seeded = 0
    for (const size of [10_000, largest]) {
      // The first 10,000 as an app makes them (the floor is measured on them), the rest with SQL.
      if (seeded === 0) await createDealers(payload, size, 'bench')
      else await seedDealersSql(stack.databaseUri, size - seeded, seeded + 1)
      seeded = size
      const n = size.toLocaleString('en')
      const empty = () => reconcile(reconcileDeps(runtime), collection)
      const truncate = () => supabase.query('truncate public.dealers')
      await truncate()
      if (size === 10_000) {
        // The floor ratio as in the main bench, without the memory instruments (a forced collection
        // before each run and the GC profiler change what they time): one untimed run of each, then
        // the floor and the reconcile alternately, medians of five.
        await planC(payload, supabase, runtime.options.batchSize)
        await truncate()
        await empty()
        const floors: number[] = []
        const empties: number[] = []
        let inserts = 0
        for (let i = 0; i < 5; i++) {
          await truncate()
          const floor = await planC(payload, supabase, runtime.options.batchSize)
          floors.push(floor.ms)
          inserts = floor.requests
          await truncate()
          const started = performance.now()
          await empty()
          empties.push(performance.now() - started)
        }
        const mid = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1]
        floorRatio = { reconcile: mid(empties), floor: mid(floors), runs: [empties, floors] }
        results.push({
          label: `floor: one find + INSERT via pg, ${n} (median of 5)`,
          docs: size,
          ms: mid(floors),
          requests: inserts,
          writes: inserts,
          rssMb: NaN,
          heapMb: NaN,
          liveMb: NaN,
        })
        await truncate()
      }
      await run(`reconcile into an empty table, ${n}`, size, empty)
      await run(`reconcile, in sync, ${n}`, size, () =>
        reconcile(reconcileDeps(runtime), collection),
      )
      await supabase.query(
        `update public.dealers set name = name || ' (drift)' where id in (select id from public.dealers order by id limit ${size / 100})`,
      )
      await run(
        `validate with 1 % drift, ${n}`,
        size,
        () => validate(validateDeps(runtime), collection),
        (v) => `${(v as { diff: { changed: unknown[] } }).diff.changed.length} changed found`,
      )
      await standin.latency(20)
      await supabase.query('truncate public.dealers')
      await run(`reconcile into an empty table, ${n}, +20 ms`, size, () =>
        reconcile(reconcileDeps(runtime), collection),
      )
      await standin.latency(0)
    }
    // The same large reconcile in a process with the heap of a 4 GB container, and in one whose V8
    // collects its old generation sooner: what peak RSS is made of (V8's policy, not live data).
    const variants = [
      { flags: [], label: 'a fresh process, V8 defaults' },
      {
        flags: [`--max-old-space-size=${cappedHeapMb}`],
        label: `heap capped at ${cappedHeapMb} MB`,
      },
      {
        flags: [`--heap-growing-percent=${growingPercent}`],
        label: `V8 --heap-growing-percent=${growingPercent}`,
      },
    ]
    for (const variant of variants) {
      await supabase.query('truncate public.dealers')
      const m = await reconcileWithFlags(
        { ...stack, supabaseUrl: standin.supabaseUrl, serviceRoleKey: standin.serviceRoleKey },
        variant.flags,
      )
      results.push({
        label: `reconcile into an empty table, ${big}, ${variant.label}`,
        docs: seeded,
        ms: m.ms,
        requests: m.requests,
        writes: NaN,
        rssMb: m.rssMb,
        heapMb: m.heapMb,
        liveMb: m.liveMb,
        note: `${m.upserted} written`,
      })
    }
    print('')
    print(
      '| run | docs | ms | docs/s | requests | writes | peak RSS growth | peak heap growth | live heap growth |',
    )
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of results)
      print(
        `| ${r.label} | ${r.docs} | ${r.ms.toFixed(0)} | ${((r.docs / r.ms) * 1000).toFixed(0)} | ${r.requests} | ${Number.isNaN(r.writes) ? '—' : r.writes} | ${mb(r.rssMb)} | ${mb(r.heapMb)} | ${mb(r.liveMb)} |${r.note ? ` ${r.note}` : ''}`,
      )
    const find = (label: string) => results.find((r) => r.label === label)!
    const empty10 = find('reconcile into an empty table, 10,000')
    const empty100 = find(`reconcile into an empty table, ${big}`)
    print('')
    print(
      `${big} / 10,000, reconcile into an empty table: ${(empty100.ms / empty10.ms).toFixed(1)}×   (target ≤ ${largest === 100_000 ? 11 : `${Math.round((largest / 10_000) * 1.1)} (11 at 100,000)`})`,
    )
    const [fresh100, capped100, growing100] = results.slice(-3)
    print(
      `peak RSS growth, reconcile of ${big}: ${mb(empty100.rssMb)} with V8's heap sized for this machine (limit ${(v8.getHeapStatistics().heap_size_limit / 2 ** 20).toFixed(0)} MB; ${mb(fresh100.rssMb)} in a fresh process), ${mb(capped100.rssMb)} capped at ${cappedHeapMb} MB, ${mb(growing100.rssMb)} with --heap-growing-percent=${growingPercent} (${(growing100.ms / fresh100.ms).toFixed(2)}× the fresh process's time)   (target ≤ 150)`,
    )
    print(
      `live heap growth (after full collections), reconcile of 10,000 / ${big}: ${mb(empty10.liveMb)} / ${mb(empty100.liveMb)}   (bounded: not ten times more)`,
    )
    print(
      `writes of the in-sync reconcile of ${big}: ${find(`reconcile, in sync, ${big}`).writes}   (target 0)`,
    )
    if (floorRatio) {
      const [empties, floors] = floorRatio.runs.map((runs) =>
        runs.map((ms) => ms.toFixed(0)).join(', '),
      )
      print(
        `reconcile of 10,000 / floor: ${(floorRatio.reconcile / floorRatio.floor).toFixed(2)}×   (target ≤ 1.5; medians of 5 alternated runs after a warm-up, without the memory instruments: ${empties} vs ${floors} ms)`,
      )
    }
    await payload.destroy()
    await cancelFromCommand(stack, standin, print, big)
  } finally {
    await supabase.end()
    await standin.stop()
  }
}

export type { Payload }
