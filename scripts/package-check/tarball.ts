/** Reading the packed tarball itself, not npm's account of it: one entry, and every import of dist/. */
import fs from 'node:fs/promises'
import path from 'node:path'
import { mustRun } from './run.js'

export interface PackageJson {
  name: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** Bare imports of the tarball's dist/*.js that are neither node builtins, the package itself, dependencies nor peers. */
export async function scanImports(
  tarball: string,
  pkg: PackageJson,
): Promise<{ problems: string[]; used: string[]; unused: string[] }> {
  const dir = path.join(path.dirname(tarball), 'extracted')
  await fs.mkdir(dir, { recursive: true })
  await mustRun('tar -xzf', 'tar', ['-xzf', tarball, '-C', dir], { cwd: dir, timeoutMs: 30_000 })
  const root = path.join(dir, 'package')
  const { builtinModules } = await import('node:module')
  const builtins = new Set(builtinModules)
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ])
  const used = new Set<string>()
  const problems: string[] = []
  const importRe =
    /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm
  for (const file of (await fs.readdir(path.join(root, 'dist'), { recursive: true })).filter((f) =>
    f.endsWith('.js'),
  )) {
    const text = await fs.readFile(path.join(root, 'dist', file), 'utf8')
    for (const m of text.matchAll(importRe)) {
      const spec = (m[1] ?? m[2])!
      if (spec.startsWith('.') || spec.startsWith('/')) {
        if (!/\.(js|json)$/.test(spec))
          problems.push(
            `dist/${file} imports "${spec}" without a .js extension (fails under plain node)`,
          )
        continue
      }
      if (spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue
      const name = spec.startsWith('@')
        ? spec.split('/').slice(0, 2).join('/')
        : spec.split('/')[0]!
      if (name === pkg.name) continue
      used.add(name)
      if (!declared.has(name))
        problems.push(
          `dist/${file} imports "${spec}", but ${name} is neither a dependency nor a peerDependency`,
        )
    }
  }
  const unused = Object.keys(pkg.dependencies ?? {}).filter((d) => !used.has(d))
  return { problems, used: [...used].sort(), unused }
}

export async function tarEntry(tarball: string, file: string): Promise<string> {
  const r = await mustRun('tar -xzOf', 'tar', ['-xzOf', tarball, `package/${file}`], {
    cwd: path.dirname(tarball),
    timeoutMs: 30_000,
  })
  return r.stdout
}
