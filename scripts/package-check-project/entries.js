// Runs with plain `node` in the throw-away project: resolves the package's entry points as a team's
// code would. `node entries.js main` must load the main entry without React (run it with
// `--import ./forbid-react.js`); `node entries.js rsc` loads the React Server Components entry.
const which = process.argv[2]
try {
  if (which === 'main') {
    const m = await import('payload-plugin-supabase-sync')
    const problems = []
    if (typeof m.supabaseSync !== 'function') problems.push('supabaseSync is not a function')
    if (m.Dealers?.slug !== 'dealers') problems.push('Dealers is not the dealers collection')
    if (typeof m.dealerMapper?.toRow !== 'function')
      problems.push('dealerMapper.toRow is not a function')
    if (problems.length) throw new Error(`payload-plugin-supabase-sync: ${problems.join('; ')}`)
    console.log(`PACKAGE_CHECK_RESULT ${JSON.stringify({ exports: Object.keys(m).length })}`)
  } else if (which === 'rsc') {
    const m = await import('payload-plugin-supabase-sync/rsc')
    if (typeof m.SyncHealth !== 'function')
      throw new Error(
        `payload-plugin-supabase-sync/rsc: SyncHealth is ${typeof m.SyncHealth}, exports: ${Object.keys(m).join(', ')}`,
      )
    console.log(`PACKAGE_CHECK_RESULT ${JSON.stringify({ exports: Object.keys(m) })}`)
  } else {
    throw new Error('usage: node entries.js main|rsc')
  }
  process.exit(0)
} catch (error) {
  console.error(`PACKAGE_CHECK_FAILURE ${error?.stack ?? String(error)}`)
  process.exit(1)
}
