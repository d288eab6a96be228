/**
 * What the check must undo however it ends (a pass, a failure, Ctrl-C): the child processes it
 * started, and the cleanups (the stack, temp dirs) registered as they were made.
 */
import type { ChildProcess } from 'node:child_process'

export const children = new Set<ChildProcess>()
export const cleanups: Array<() => Promise<void>> = []

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

export async function cleanup(): Promise<void> {
  for (const child of children) killGroup(child)
  for (const c of cleanups.splice(0))
    await c().catch((error) => process.stderr.write(`cleanup: ${String(error)}\n`))
}
