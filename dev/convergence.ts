/**
 * `npm run test:convergence -- [--seed N] [--runs N] [--shrink]`: the randomized convergence test
 * (test/convergence.property.test.ts) with one seed and as many cases as asked, for runs longer than
 * CI's fixed seeds. `--shrink` shrinks a failing case to a short one (slower).
 */
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '200' },
    shrink: { type: 'boolean', default: false },
  },
})
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31))
process.stdout.write(`convergence: seed ${seed}, ${values.runs} cases\n`)
const result = spawnSync('npx', ['vitest', 'run', 'test/convergence.property.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    CONVERGENCE_SEED: seed,
    CONVERGENCE_RUNS: values.runs,
    CONVERGENCE_SHRINK: values.shrink ? 'true' : 'false',
  },
})
process.exit(result.status ?? 1)
