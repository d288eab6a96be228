/** Running the commands of the check: spawned, timed out, their output kept for the report. */
import { spawn } from 'node:child_process'
import { cleanEnv } from './child-env.js'
import { children, killGroup } from './cleanup.js'
import { fail, StopCheck } from './failure.js'
import { isFinishing } from './finish.js'
import { indent, secs, tail } from './format.js'

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

/** Spawns a command (own process group, so a timeout kills npx's children too) and collects its output. */
export function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const t = performance.now()
  return new Promise((resolve, reject) => {
    if (isFinishing()) return reject(new StopCheck(`${cmd}: the check is finishing`))
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    children.add(child)
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child)
    }, options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      children.delete(child)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t, timedOut })
    })
  })
}

export function describe(cmd: string, r: RunResult): string {
  const how = r.timedOut
    ? `timed out after ${secs(r.ms)}`
    : r.signal
      ? `was killed (${r.signal})`
      : `exited ${r.code}`
  const out = [
    r.stdout.trim() && `stdout:\n${indent(tail(r.stdout))}`,
    r.stderr.trim() && `stderr:\n${indent(tail(r.stderr))}`,
  ]
    .filter(Boolean)
    .join('\n')
  return `\`${cmd}\` ${how}${out ? `\n${out}` : ''}`
}

/** Runs a command that must exit 0. */
export async function mustRun(
  label: string,
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const r = await run(cmd, args, options)
  if (r.code !== 0) fail(describe(label, r))
  return r
}
