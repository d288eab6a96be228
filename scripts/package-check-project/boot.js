// Runs with plain `node` in the throw-away project (no tsx, no TypeScript loader): boots Payload with
// the installed plugin, checks the bin command it registers, creates a dealer, waits until its row is
// in Supabase (read straight from the database behind the stand-in), waits for the queue to be idle,
// and renders the dashboard panel
// from the `/rsc` entry against this same Payload. Prints one line `PACKAGE_CHECK_RESULT {json}`.
import fs from 'node:fs'
import path from 'node:path'
import { getPayload } from 'payload'
import pg from 'pg'
import config from './payload.config.js'

const deliveryTimeoutMs = Number(process.env.PACKAGE_CHECK_DELIVERY_TIMEOUT_MS || 15_000)
const result = {}
let payload
let client

function fail(message) {
  const error = new Error(message)
  error.checkFailure = true
  throw error
}

try {
  let t = performance.now()
  payload = await getPayload({ config })
  result.bootMs = Math.round(performance.now() - t)

  // The bin command: Payload imports its scriptPath when `npx payload supabase-sync …` runs.
  const bin = (payload.config.bin ?? []).find((b) => b.key === 'supabase-sync')
  if (!bin) fail('the plugin registered no `supabase-sync` entry in config.bin')
  const pkgDir = fs.realpathSync(path.resolve('node_modules/payload-plugin-supabase-sync'))
  if (!fs.existsSync(bin.scriptPath))
    fail(`config.bin supabase-sync scriptPath does not exist: ${bin.scriptPath}`)
  const expected = path.join(pkgDir, 'dist', 'ops', 'cli.js')
  if (fs.realpathSync(bin.scriptPath) !== expected)
    fail(`config.bin supabase-sync scriptPath is ${bin.scriptPath}, expected ${expected}`)
  result.binScriptPath = path.relative(process.cwd(), bin.scriptPath)

  t = performance.now()
  const dealer = await payload.create({
    collection: 'dealers',
    data: {
      name: 'Package Check Motors',
      slug: 'package-check-motors',
      domain: 'package-check.example',
      platforms: ['homenet', 'custom'],
      homenet_config: { rooftop_id: 'PC-1', feed_url: 'https://feeds.example/pc-1.csv' },
      custom_config: { source: 'package-check' },
    },
  })
  result.dealerId = dealer.id
  result.createMs = Math.round(performance.now() - t)

  client = new pg.Client({ connectionString: process.env.SUPABASE_DB_URI })
  await client.connect()
  const deadline = Date.now() + deliveryTimeoutMs
  let row
  while (!row) {
    const { rows } = await client.query(
      'select id, name, slug, domain, rooftop_id, api_config, created_at, updated_at from public.dealers where id = $1',
      [dealer.id],
    )
    row = rows[0]
    if (row) break
    if (Date.now() > deadline) {
      const { rows: all } = await client.query('select count(*)::int as n from public.dealers')
      fail(
        `dealer ${dealer.id} was created in Payload but its row did not reach Supabase (public.dealers) within ${deliveryTimeoutMs} ms; the table has ${all[0].n} rows`,
      )
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  result.deliveredMs = Math.round(performance.now() - t)
  const mismatches = []
  const want = { name: dealer.name, slug: dealer.slug, domain: dealer.domain, rooftop_id: 'PC-1' }
  for (const [k, v] of Object.entries(want))
    if (row[k] !== v) mismatches.push(`${k}: ${JSON.stringify(row[k])} ≠ ${JSON.stringify(v)}`)
  if (JSON.stringify(row.api_config?.platforms) !== JSON.stringify(['homenet', 'custom']))
    mismatches.push(`api_config.platforms: ${JSON.stringify(row.api_config?.platforms)}`)
  if (row.api_config?.custom_config?.source !== 'package-check')
    mismatches.push(`api_config.custom_config: ${JSON.stringify(row.api_config?.custom_config)}`)
  if (mismatches.length)
    fail(`the dealer's row in Supabase differs from the document: ${mismatches.join('; ')}`)

  // The row may have been written by the startup reconcile while the dealer's own job waited for its
  // lock: a script that stops here waits for the queue first, as `whenIdle` is there for (the status
  // command that follows expects no job left).
  const { whenIdle } = await import('payload-plugin-supabase-sync')
  await whenIdle(payload)

  // The dashboard panel, from the other entry point: it must find the runtime this Payload started
  // (one module instance shared by both entries), and render for a user of the admin's collection.
  const { SyncHealth } = await import('payload-plugin-supabase-sync/rsc')
  const user = await payload.create({
    collection: 'users',
    data: { email: 'check@example.com', password: 'package-check-0123' },
  })
  const element = await SyncHealth({ payload, user: { ...user, collection: 'users' } })
  if (!element)
    fail(
      'SyncHealth rendered nothing for a user of the admin collection (runtime not found from the /rsc entry?)',
    )
  const { renderToStaticMarkup } = await import('react-dom/server')
  const html = renderToStaticMarkup(element)
  const state = /data-state="([a-z]+)"/.exec(html)?.[1]
  if (!html.includes('Supabase sync') || !state)
    fail(`SyncHealth rendered unexpected markup: ${html.slice(0, 300)}`)
  if (state !== 'ok') {
    const problems = [...html.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1])
    fail(
      `SyncHealth says "${state}" after the dealer was delivered: ${problems.join('; ') || html.slice(0, 300)}`,
    )
  }
  result.syncHealth = { state, htmlBytes: html.length }

  process.stdout.write(`PACKAGE_CHECK_RESULT ${JSON.stringify(result)}\n`)
  process.exitCode = 0
} catch (error) {
  process.stderr.write(
    `PACKAGE_CHECK_FAILURE ${error?.checkFailure ? error.message : (error?.stack ?? String(error))}\n`,
  )
  process.exitCode = 1
} finally {
  await client?.end().catch(() => {})
  if (payload) {
    payload.db?.pool?.on('error', () => {})
    await payload.destroy().catch(() => {})
  }
  process.exit(process.exitCode ?? 1)
}
