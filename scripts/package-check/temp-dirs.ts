/** The check's temp dirs: outside the repo, removed at the end unless PACKAGE_CHECK_KEEP=1. */
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { cleanups } from './cleanup.js'
import { fail } from './failure.js'
import { keep } from './settings.js'

export async function tempDir(prefix: string): Promise<string> {
  // Under /tmp, never inside the repo: node resolution must not find the repo's node_modules.
  const base = os.tmpdir() === '/root' ? '/tmp' : os.tmpdir()
  const dir = await fs.mkdtemp(path.join(base, prefix))
  cleanups.push(async () => {
    if (keep) process.stdout.write(`  (kept ${dir})\n`)
    else await fs.rm(dir, { recursive: true, force: true })
  })
  return dir
}

/** No parent of the project may have node_modules: it would hide a dependency the package forgot to declare. */
export function assertIsolated(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules')))
      fail(
        `${d}/node_modules exists: the throw-away project in ${dir} would resolve packages from it. Set TMPDIR to a clean directory.`,
      )
    if (d === path.dirname(d)) break
  }
}
