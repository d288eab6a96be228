/** The throw-away project: the tarball and the peers a team would have, installed from npm as the team would. */
import fs from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fail } from '../failure.js'
import { secs } from '../format.js'
import { warnings } from '../report.js'
import { mustRun } from '../run.js'
import { pkgName, projectDeps } from '../settings.js'
import { step } from '../step.js'
import { assertIsolated } from '../temp-dirs.js'
import type { Packed } from './pack.js'

export async function installProject(
  projectDir: string,
  packed: Packed,
  versions: Record<string, string>,
): Promise<void> {
  await step('throw-away project: npm install (prefer-offline)', async () => {
    assertIsolated(projectDir)
    await fs.writeFile(
      path.join(projectDir, 'package.json'),
      JSON.stringify(
        {
          name: 'supabase-sync-package-check',
          version: '0.0.0',
          private: true,
          type: 'module',
          allowScripts: { esbuild: true },
        },
        null,
        2,
      ) + '\n',
    )
    const specs = [packed.tarball, ...projectDeps.map((name) => `${name}@${versions[name]}`)]
    const r = await mustRun(
      'npm install --prefer-offline',
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', ...specs],
      {
        cwd: projectDir,
        timeoutMs: 180_000,
      },
    )
    const skipped = [
      ...(r.stdout + r.stderr).matchAll(/^npm warn install-scripts\s+(\S+@\S+) \(/gm),
    ].map((m) => m[1]!)
    if (skipped.some((s) => s.startsWith(`${pkgName}@`)))
      fail(`the package itself has an install script: ${skipped.join(', ')}`)
    if (skipped.length)
      warnings.push(
        `npm 11 skipped install scripts not in the project's allowScripts: ${skipped.join(', ')}`,
      )
    // What actually got installed.
    const installed = (name: string) =>
      (
        JSON.parse(
          readFileSync(path.join(projectDir, 'node_modules', name, 'package.json'), 'utf8'),
        ) as { version: string }
      ).version
    const wrong = projectDeps
      .filter((name) => installed(name) !== versions[name])
      .map((name) => `${name} ${installed(name)} (lockfile: ${versions[name]})`)
    if (wrong.length) fail(`installed versions differ from the lockfile: ${wrong.join(', ')}`)
    const pkg = JSON.parse(
      readFileSync(path.join(projectDir, 'node_modules', pkgName, 'package.json'), 'utf8'),
    ) as { version: string; dependencies?: Record<string, string> }
    const deps = Object.keys(pkg.dependencies ?? {}).map((d) => `${d}@${installed(d)}`)
    return {
      detail: `${pkgName}@${pkg.version} + ${projectDeps.map((n) => `${n}@${versions[n]}`).join(', ')} in ${secs(r.ms)}; its dependencies: ${deps.join(', ')}`,
    }
  })
}
