/** The package as npm publishes it: built from a clean dist/, packed, and its file list read from the tarball. */
import fs from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fail } from '../failure.js'
import { secs } from '../format.js'
import { mustRun } from '../run.js'
import { repo } from '../settings.js'
import { step } from '../step.js'

export interface Packed {
  tarball: string
  files: string[]
  size: number
  unpackedSize: number
}

export async function buildAndPack(packDir: string): Promise<Packed> {
  await step('build (npm run build, from a clean dist/)', async () => {
    await fs.rm(path.join(repo, 'dist'), { recursive: true, force: true })
    const r = await mustRun('npm run build', 'npm', ['run', 'build'], {
      cwd: repo,
      timeoutMs: 120_000,
    })
    for (const f of ['index.js', 'ops/cli.js', 'exports/rsc.js'])
      if (!existsSync(path.join(repo, 'dist', f)))
        fail(`npm run build succeeded but dist/${f} is missing`)
    return { detail: `tsc → dist/ in ${secs(r.ms)}` }
  })

  return (await step('pack (npm pack)', async () => {
    const r = await mustRun('npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: repo,
      timeoutMs: 60_000,
    })
    const info = (
      JSON.parse(r.stdout) as Array<{ filename: string; size: number; unpackedSize: number }>
    )[0]!
    const tarball = path.join(packDir, info.filename)
    // The tarball itself, not npm's account of it.
    const list = await mustRun('tar -tzf', 'tar', ['-tzf', tarball], {
      cwd: packDir,
      timeoutMs: 30_000,
    })
    const files = list.stdout
      .split('\n')
      .filter((l) => l && !l.endsWith('/'))
      .map((l) => l.replace(/^package\//, ''))
      .sort()
    return {
      value: { tarball, files, size: info.size, unpackedSize: info.unpackedSize },
      detail: `${path.basename(tarball)}: ${files.length} files, ${(info.size / 1024).toFixed(0)} kB (${(info.unpackedSize / 1024).toFixed(0)} kB unpacked)`,
    }
  }))!
}
