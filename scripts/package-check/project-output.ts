/**
 * What the throw-away project's scripts (scripts/package-check-project/) report: a
 * `PACKAGE_CHECK_RESULT {json}` line on stdout, or `PACKAGE_CHECK_FAILURE …` on stderr.
 */
import { fail } from './failure.js'
import { indent, tail } from './format.js'
import { describe, type RunResult } from './run.js'

/** Reads the `PACKAGE_CHECK_RESULT {json}` line a project script prints. */
export function resultLine<T = Record<string, unknown>>(r: RunResult): T {
  const line = r.stdout.split('\n').find((l) => l.startsWith('PACKAGE_CHECK_RESULT '))
  if (!line) fail(`no result line in the output:\n${indent(tail(r.stdout + r.stderr))}`)
  return JSON.parse(line!.slice('PACKAGE_CHECK_RESULT '.length)) as T
}

/** The failure a project script reports (`PACKAGE_CHECK_FAILURE …`), else its output. */
export function scriptFailure(label: string, r: RunResult): string {
  const at = r.stderr.indexOf('PACKAGE_CHECK_FAILURE ')
  if (at >= 0 && !r.timedOut)
    return `${label}: ${r.stderr
      .slice(at + 'PACKAGE_CHECK_FAILURE '.length)
      .trim()
      .split('\n')
      .slice(0, 12)
      .join('\n')}`
  return describe(label, r)
}
