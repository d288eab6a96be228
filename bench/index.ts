/**
 * `npm run bench [-- --dealers 10000] [-- --only reconcile,latency]`, `npm run bench -- --scale
 * [--largest 1000000]`: figures, not assertions.
 * Everything runs in one process on one local stack, so the ratios compare like with like.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { startLocalStack } from '../dev/stack.js'
import { silencePools, startPayload } from '../test/support/app.js'
import { createDealers } from '../test/support/seed.js'
import { benchBatch } from './batch.js'
import { benchLatency } from './latency.js'
import { benchRealtime } from './realtime.js'
import { benchReconcile } from './reconcile.js'
import { benchScale } from './scale.js'
import { startStandinProcess } from './standin-process.js'

// Log as an app in production does: info, not the tests' debug.
process.env.TEST_LOG_LEVEL ??= 'info'

const { values } = parseArgs({
  options: {
    dealers: { type: 'string', default: '10000' },
    only: { type: 'string' },
    scale: { type: 'boolean', default: false },
    // With --scale: the larger table (default 100,000).
    largest: { type: 'string', default: '100000' },
  },
})
const dealers = Number(values.dealers)
const only = values.only ? new Set(values.only.split(',')) : undefined
const wants = (name: string) => !only || only.has(name)
const print = (line: string) => process.stdout.write(`${line}\n`)

async function main() {
  print(
    `# supabase-sync bench — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  )
  const stack = await startLocalStack()
  try {
    if (values.scale) {
      const largest = Number(values.largest)
      print(`\n## Scale: 10,000 and ${largest.toLocaleString('en')} dealers (issue: scale)`)
      await benchScale(stack, print, largest)
      return
    }
    if (wants('reconcile')) {
      const standin = await startStandinProcess(stack)
      const { payload } = await startPayload(
        { ...stack, supabaseUrl: standin.supabaseUrl, serviceRoleKey: standin.serviceRoleKey },
        { sync: { syncOnInit: false, queue: { sweepInterval: false, runAfterCommit: false } } },
      )
      const t = performance.now()
      await createDealers(payload, dealers, 'bench')
      print(`seeded ${dealers} dealers in ${((performance.now() - t) / 1000).toFixed(1)} s`)
      print('\n## Startup reconcile (issue: core plugin)')
      await benchReconcile(payload, stack, standin, print)
      await payload.destroy()
      await standin.stop()
    }
    if (wants('latency')) {
      print('\n## Delivery latency and save overhead (issue: durable delivery)')
      await benchLatency(stack, print)
    }
    if (wants('batch')) {
      print('\n## Bulk edits and backlogs: many pending changes in few requests (issue 8)')
      await benchBatch(stack, print)
    }
    if (wants('realtime')) {
      print('\n## Realtime: edits made in Supabase directly (issue 17)')
      await benchRealtime(stack, print)
    }
  } catch (error) {
    console.error(error)
    process.exitCode = 1
  } finally {
    silencePools()
    await stack.stop()
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
