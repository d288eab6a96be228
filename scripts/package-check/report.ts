/** What the steps found, and the summary printed at the end. */
import { indent, secs } from './format.js'

export interface StepResult {
  name: string
  ok: boolean
  ms: number
  detail: string
}
export const results: StepResult[] = []
export const warnings: string[] = []
const started = performance.now()

export function summary(extra?: string): number {
  const failed = results.filter((r) => !r.ok)
  const ok = failed.length === 0 && !extra
  const width = Math.max(...results.map((r) => r.name.length), 10)
  const lines = [
    '',
    `package check: ${ok ? 'PASS' : 'FAIL'} in ${secs(performance.now() - started)}`,
  ]
  for (const r of results)
    lines.push(
      `  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(width)} ${secs(r.ms).padStart(7)}${r.ok ? '' : `\n${indent(r.detail)}`}`,
    )
  if (extra) lines.push(`  ✗ ${extra}`)
  if (warnings.length) lines.push('warnings:', ...warnings.map((w) => `  - ${w}`))
  process.stdout.write(lines.join('\n') + '\n')
  return ok ? 0 : 1
}
