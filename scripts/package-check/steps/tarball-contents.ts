/** The tarball's contents: what must be in it, what must never ship, and that dist/ imports only what the package declares. */
import path from 'node:path'
import { fail } from '../failure.js'
import { warnings } from '../report.js'
import { step } from '../step.js'
import { scanImports, tarEntry, type PackageJson } from '../tarball.js'
import type { Packed } from './pack.js'

/** What the tarball must hold. */
const required = [
  'package.json',
  'README.md',
  'sql/001_dealers.sql',
  'sql/002_sync_apply.sql',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/ops/cli.js',
  'dist/ops/cli.d.ts',
  'dist/exports/rsc.js',
  'dist/exports/rsc.d.ts',
]
/** What must never ship: the dev app, tests, benches, scripts, sources and the dev app's example table. */
const forbidden: Array<[RegExp, string]> = [
  [/^dev\//, 'the dev app'],
  [/^test\//, 'tests'],
  [/^bench\//, 'benches'],
  [/^scripts\//, 'scripts'],
  [/^src\//, 'TypeScript sources'],
  [/^\.ci\//, 'CI files'],
  [/(^|\/)node_modules\//, 'node_modules'],
  [/^sql\/003_posts\.sql$/, "the dev app's example table (posts)"],
  [/\.tsbuildinfo$/, 'a TypeScript build-info file'],
  [/(^|\/)\.env/, 'an env file'],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, 'a test file'],
]

export async function checkTarballContents(packed: Packed): Promise<void> {
  await step(
    'tarball contents',
    async () => {
      const problems: string[] = []
      const have = new Set(packed.files)
      for (const f of required) if (!have.has(f)) problems.push(`missing: ${f}`)
      for (const f of packed.files) {
        const hit = forbidden.find(([re]) => re.test(f))
        if (hit) problems.push(`must not ship: ${f} (${hit[1]})`)
      }
      // Every target package.json names must be in the tarball.
      const pkg = JSON.parse(await tarEntry(packed.tarball, 'package.json')) as PackageJson & {
        main?: string
        types?: string
        exports?: Record<string, Record<string, string> | string>
      }
      const targets = new Set<string>([pkg.main, pkg.types].filter((t): t is string => Boolean(t)))
      for (const entry of Object.values(pkg.exports ?? {}))
        for (const t of typeof entry === 'string' ? [entry] : Object.values(entry)) targets.add(t)
      for (const t of targets)
        if (!have.has(t.replace(/^\.\//, '')))
          problems.push(`package.json points at ${t}, which is not in the tarball`)
      // Every module in dist/ has its declarations.
      for (const f of packed.files)
        if (/^dist\/.*\.js$/.test(f) && !have.has(f.replace(/\.js$/, '.d.ts')))
          problems.push(`no declarations for ${f}`)
      // Every bare import in dist/ must be a declared dependency or peer: a dev-only import would
      // only fail for the team that reaches it.
      const imports = await scanImports(packed.tarball, pkg)
      problems.push(...imports.problems)
      if (imports.unused.length)
        warnings.push(
          `declared in dependencies but imported nowhere in dist/: ${imports.unused.join(', ')}`,
        )
      if (problems.length) fail(problems.join('\n'))
      // Not failures, but worth knowing.
      const maps = packed.files.filter((f) => f.endsWith('.map'))
      if (maps.length && !packed.files.some((f) => f.startsWith('src/'))) {
        const sample = JSON.parse(await tarEntry(packed.tarball, maps[0]!)) as {
          sources?: string[]
          sourcesContent?: unknown
        }
        if (!sample.sourcesContent && sample.sources?.some((s) => s.includes('src/')))
          warnings.push(
            `${maps.length} source maps ship pointing at ../src/*.ts, which does not ship (debuggers cannot show sources): set "inlineSources": true or "sourceMap": false in tsconfig.build.json`,
          )
      }
      const sql = packed.files.filter((f) => f.startsWith('sql/'))
      return {
        detail: `${required.length} required files present, nothing dev-only, dist/ imports only ${imports.used.join(', ')}; sql: ${sql.map((f) => path.basename(f)).join(', ')}`,
      }
    },
    false,
  )
}
