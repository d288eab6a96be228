/** One step of the check: timed, reported as it runs and in the summary. */
import { CheckFailure, StopCheck } from './failure.js'
import { isFinishing } from './finish.js'
import { indent, secs } from './format.js'
import { results } from './report.js'

/** Runs a step; records pass/fail with its time. A critical step's failure stops the check. */
export async function step<T>(
  name: string,
  fn: () => Promise<{ value?: T; detail: string }>,
  critical = true,
): Promise<T | undefined> {
  if (isFinishing()) throw new StopCheck(name)
  const t = performance.now()
  process.stdout.write(`• ${name} …\n`)
  try {
    const { value, detail } = await fn()
    results.push({ name, ok: true, ms: performance.now() - t, detail })
    process.stdout.write(`  ✓ ${detail} (${secs(performance.now() - t)})\n`)
    return value
  } catch (error) {
    if (isFinishing()) {
      results.push({ name, ok: false, ms: performance.now() - t, detail: 'interrupted' })
      throw new StopCheck(name)
    }
    const detail =
      error instanceof CheckFailure
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    results.push({ name, ok: false, ms: performance.now() - t, detail })
    process.stdout.write(`  ✗ ${indent(detail, '    ').trimStart()}\n`)
    if (critical) throw new StopCheck(name)
    return undefined
  }
}
