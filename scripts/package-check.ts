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
import fs from 'node:fs/promises'
import { StopCheck } from './package-check/failure.js'
import { finish } from './package-check/finish.js'
import { secs } from './package-check/format.js'
import { lockfileVersions } from './package-check/lockfile.js'
import { overallTimeoutMs } from './package-check/settings.js'
import { installSignalHandlers } from './package-check/signals.js'
import { bootProject } from './package-check/steps/boot.js'
import { runCliCommands } from './package-check/steps/cli.js'
import { checkTypeScriptConsumer } from './package-check/steps/consumer.js'
import { importEntries } from './package-check/steps/entries.js'
import { generateImportMap } from './package-check/steps/importmap.js'
import { installProject } from './package-check/steps/install.js'
import { buildAndPack } from './package-check/steps/pack.js'
import { applyShippedSql, startStackAlongside } from './package-check/steps/stack.js'
import { checkTarballContents } from './package-check/steps/tarball-contents.js'
import { tempDir } from './package-check/temp-dirs.js'

async function main(): Promise<void> {
  const versions = lockfileVersions()

  const packDir = await tempDir('supabase-sync-pack-')
  const projectDir = await tempDir('supabase-sync-project-')
  await fs.chmod(projectDir, 0o755)

  const stack = startStackAlongside()
  const packed = await buildAndPack(packDir)
  await checkTarballContents(packed)
  await installProject(projectDir, packed, versions)
  const env = await applyShippedSql(stack, projectDir)
  await bootProject(projectDir, env)
  await runCliCommands(projectDir, env)
  await importEntries(projectDir, env)
  await checkTypeScriptConsumer(projectDir, env)
  await generateImportMap(projectDir, env)
}

installSignalHandlers()
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
