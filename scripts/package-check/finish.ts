/** The end of the check, whatever ends it: cleanup, the summary, the exit code. */
import { cleanup } from './cleanup.js'
import { summary } from './report.js'

let finishing: Promise<never> | undefined

/** Cleans up, prints the summary and exits; once only (Ctrl-C reaches us twice: from the terminal and relayed by tsx). */
export function finish(extra?: string): Promise<never> {
  finishing ??= (async () => {
    await cleanup()
    process.exit(summary(extra))
  })()
  return finishing
}

/** True once the check is finishing: no new step or child process starts. */
export function isFinishing(): boolean {
  return finishing !== undefined
}
