/**
 * `npm run bench -- --scale`: the reconcile and validate at 10,000 and 100,000 dealers, in one run —
 * time, documents per second, requests, and peak RSS growth over the idle process; also at +20 ms per
 * Supabase request; then the command's validate of 100,000 cancelled with Ctrl-C (how long it takes to
 * stop, how often it printed progress). Dealers are seeded with SQL straight into Payload's tables.
 */
import { spawn } from 'node:child_process'
import pg from 'pg'
import type { Payload } from 'payload'
import type { LocalStack } from '../dev/stack.js'
import { reconcileDeps, validateDeps } from '../src/lifecycle/deps.js'
import { getRuntime, syncedCollection } from '../src/lifecycle/registry.js'
import { reconcile } from '../src/reconcile/reconcile.js'
import { validate } from '../src/reconcile/validate.js'
import { startPayload } from '../test/support/app.js'
import { seedDealersSql } from '../test/support/seed.js'
import { planC } from './reconcile.js'

interface Measured {
  label: string
  docs: number
  ms: number
  requests: number
  writes: number
  rssMb: number
  note?: string
}

/** Runs `work` while sampling RSS; growth over the level just before it started. */
async function measure<T>(
  stack: LocalStack,
  work: () => Promise<T>,
): Promise<{ value: T; ms: number; rssMb: number; requests: number; writes: number }> {
  ;(globalThis as { gc?: () => void }).gc?.()
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  stack.resetStats()
  const started = performance.now()
  try {
    const value = await work()
    const ms = performance.now() - started
    const stats = stack.stats()
    return {
      value,
      ms,
      rssMb: (Math.max(peak, process.memoryUsage.rss()) - baseline) / 1e6,
      requests: stats.total,
      writes: (stats.byMethod.POST ?? 0) + (stats.byMethod.DELETE ?? 0),
    }
  } finally {
    clearInterval(sampler)
  }
}

async function cancelFromCommand(stack: LocalStack, print: (line: string) => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ['node_modules/payload/bin.js', 'supabase-sync', 'validate'],
    {
      env: {
        ...process.env,
        PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
        DATABASE_URI: stack.databaseUri,
        SUPABASE_URL: stack.supabaseUrl,
        SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
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
    `command validate of 100,000 cancelled with Ctrl-C: stopped ${Number.isNaN(stoppedMs) ? '(never got that far)' : `${stoppedMs} ms`} after SIGINT, exit ${code}; progress lines every ${gaps.length ? `${Math.max(...gaps)} ms at most` : '(one line)'} (target: stop ≤ 1000 ms, lines ≤ 2000 ms apart)`,
  )
  if (!/cancelled after/.test(stderr))
    print(
      `  (its stderr did not say "cancelled after": ${stderr.split('\n').slice(-3).join(' | ')})`,
    )
}

export async function benchScale(stack: LocalStack, print: (line: string) => void): Promise<void> {
  const { payload } = await startPayload(stack, {
    sync: { syncOnInit: false, queue: { sweepInterval: false, runAfterCommit: false } },
  })
  const supabase = new pg.Pool({ connectionString: stack.supabaseDbUri, max: 2 })
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime)
  const results: Measured[] = []
  const run = async (
    label: string,
    docs: number,
    work: () => Promise<unknown>,
    note?: (value: unknown) => string,
  ) => {
    const m = await measure(stack, work)
    results.push({
      label,
      docs,
      ms: m.ms,
      requests: m.requests,
      writes: m.writes,
      rssMb: m.rssMb,
      note: note?.(m.value),
    })
    return m.value
  }
  try {
    let seeded = 0
    for (const size of [10_000, 100_000]) {
      await seedDealersSql(stack.databaseUri, size - seeded, seeded + 1)
      seeded = size
      const n = size.toLocaleString('en')
      await supabase.query('truncate public.dealers')
      if (size === 10_000) {
        const floor = await planC(payload, supabase, runtime.options.batchSize)
        results.push({
          label: `floor: one find + INSERT via pg, ${n}`,
          docs: size,
          ms: floor.ms,
          requests: floor.requests,
          writes: floor.requests,
          rssMb: NaN,
        })
        await supabase.query('truncate public.dealers')
      }
      await run(`reconcile into an empty table, ${n}`, size, () =>
        reconcile(reconcileDeps(runtime), collection),
      )
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
      stack.faults.latency(20)
      await supabase.query('truncate public.dealers')
      await run(`reconcile into an empty table, ${n}, +20 ms`, size, () =>
        reconcile(reconcileDeps(runtime), collection),
      )
      stack.faults.latency(0)
    }
    print('')
    print('| run | docs | ms | docs/s | requests | writes | peak RSS growth |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for (const r of results)
      print(
        `| ${r.label} | ${r.docs} | ${r.ms.toFixed(0)} | ${((r.docs / r.ms) * 1000).toFixed(0)} | ${r.requests} | ${r.writes} | ${Number.isNaN(r.rssMb) ? '—' : `${r.rssMb.toFixed(0)} MB`} |${r.note ? ` ${r.note}` : ''}`,
      )
    const find = (label: string) => results.find((r) => r.label === label)!
    const empty10 = find('reconcile into an empty table, 10,000')
    const empty100 = find('reconcile into an empty table, 100,000')
    print('')
    print(
      `100,000 / 10,000, reconcile into an empty table: ${(empty100.ms / empty10.ms).toFixed(1)}×   (target ≤ 11)`,
    )
    print(`peak RSS growth, reconcile of 100,000: ${empty100.rssMb.toFixed(0)} MB   (target ≤ 150)`)
    print(
      `writes of the in-sync reconcile of 100,000: ${find('reconcile, in sync, 100,000').writes}   (target 0)`,
    )
    print(
      `reconcile of 10,000 / floor: ${(empty10.ms / find('floor: one find + INSERT via pg, 10,000').ms).toFixed(2)}×   (target ≤ 1.5; the warm, alternated figure is in the main bench)`,
    )
    await payload.destroy()
    await cancelFromCommand(stack, print)
  } finally {
    await supabase.end()
  }
}

export type { Payload }
