/**
 * `npm run smoke:admin`: the admin in a real browser, end to end. Starts what `npm run dev` starts (on a
 * throw-away data directory and free ports), logs in with headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core), renames a dealer in the edit view, saves, and checks
 * that the row in the Supabase stand-in's database changed within a few seconds. Before that, on the
 * dashboard, it checks the plugin's sync health panel (src/admin/SyncHealth.tsx): "Supabase sync", OK,
 * and the dealers' document and row counts as both databases have them. Screenshots:
 * /tmp/admin-dashboard.png and /tmp/admin-dealer.png (SMOKE_DASHBOARD_SCREENSHOT, SMOKE_SCREENSHOT to
 * change). Exit code 0 when it all worked, 1 otherwise.
 *
 * Slow (Next compiles /admin on the first request, about 30 s): not part of the vitest suite.
 * It shares dev/.next with `npm run dev`, so don't run both at once.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startDevApp, type DevApp } from './devApp.js'
import { freePort } from './stack.js'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshotPath = process.env.SMOKE_SCREENSHOT ?? '/tmp/admin-dealer.png'
const dashboardScreenshotPath = process.env.SMOKE_DASHBOARD_SCREENSHOT ?? '/tmp/admin-dashboard.png'
const nextLogPath = path.join(os.tmpdir() === '/root' ? '/tmp' : os.tmpdir(), 'smoke-admin-next.log')
const syncTimeoutMs = 10_000

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
const step = (message: string) => console.log(`[smoke ${elapsed()}] ${message}`)
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

async function queryOne<T>(connectionString: string, sql: string, params: unknown[]): Promise<T | undefined> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows[0] as T | undefined
  } finally {
    await client.end()
  }
}

/** Polls the Supabase side until the dealer's name is `expected`; resolves with the time it took, or throws. */
async function waitForSupabaseName(stack: DevApp['stack'], id: string, expected: string): Promise<number> {
  const client = new pg.Client({ connectionString: stack.supabaseDbUri })
  await client.connect()
  const t = Date.now()
  let last: string | undefined
  try {
    while (Date.now() - t < syncTimeoutMs) {
      const { rows } = await client.query<{ name: string }>('select name from public.dealers where id = $1', [id])
      last = rows[0]?.name
      if (last === expected) return Date.now() - t
      await new Promise((r) => setTimeout(r, 25))
    }
  } finally {
    await client.end()
  }
  throw new Error(`the Supabase row still says ${JSON.stringify(last)} after ${syncTimeoutMs} ms (expected ${JSON.stringify(expected)})`)
}

async function checkChromium(): Promise<void> {
  try {
    await fs.access(chromiumPath)
  } catch {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium), or set CHROMIUM_PATH`)
  }
}

async function main(): Promise<void> {
  await checkChromium()
  const dataRoot = await fs.mkdtemp(path.join(os.tmpdir() === '/root' ? '/tmp' : os.tmpdir(), 'smoke-admin-'))
  await fs.chmod(dataRoot, 0o755)
  const nextLog: string[] = []
  let app: DevApp | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  const consoleErrors: string[] = []
  try {
    step('starting the local stack, the seed and next dev ...')
    app = await startDevApp({
      dataRoot,
      persistent: false,
      supabasePort: 0,
      nextPort: await freePort(),
      admin: { email: 'smoke@example.com', password: `smoke-${randomBytes(9).toString('base64url')}` },
      onNextOutput: (line) => nextLog.push(line),
    })
    const { stack, timings } = app
    step(`stack ${seconds(timings.stackMs)}, seed ${seconds(timings.seedMs)} (${app.dealersSeeded} dealers), next ready ${seconds(timings.nextReadyMs)}: ${app.url}`)

    const dealer = await queryOne<{ id: string; name: string }>(stack.databaseUri, 'select id, name from dealers order by name limit 1', [])
    if (!dealer) throw new Error('no dealer was seeded')
    const before = await queryOne<{ name: string }>(stack.supabaseDbUri, 'select name from public.dealers where id = $1', [dealer.id])
    if (before?.name !== dealer.name) throw new Error(`the seeded dealer ${dealer.id} is not in Supabase (found ${JSON.stringify(before)})`)
    step(`dealer ${dealer.id} "${dealer.name}" is in Supabase`)

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text())
    })
    page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`))
    page.on('requestfailed', (req) => {
      const reason = req.failure()?.errorText ?? ''
      // Navigations cancel the requests (RSC fetches, server actions) of the page they leave: not an error.
      if (!reason.includes('ERR_ABORTED')) consoleErrors.push(`request failed: ${req.method()} ${req.url()} ${reason}`)
    })
    page.setDefaultTimeout(30_000)

    let t = Date.now()
    await page.goto(`${app.url}/admin/login`, { timeout: 180_000, waitUntil: 'load' })
    await page.locator('#field-email').waitFor({ timeout: 120_000 })
    const firstAdminMs = Date.now() - t
    step(`first /admin/login (compile + render): ${seconds(firstAdminMs)}`)

    t = Date.now()
    await page.fill('#field-email', app.admin.email)
    await page.fill('#field-password', app.admin.password)
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/admin/login'), { timeout: 60_000 }), page.click('button[type="submit"]')])
    await page.locator('.dashboard, .collections, [class*="dashboard"]').first().waitFor({ timeout: 60_000 })
    step(`logged in: ${page.url()} (${seconds(Date.now() - t)})`)

    // The plugin's sync health panel on the dashboard (beforeDashboard, a server component).
    t = Date.now()
    const panel = page.locator('section.supabase-sync-health')
    await panel.waitFor({ timeout: 60_000 })
    const panelText = (await panel.innerText()).replace(/\s+/g, ' ')
    if (!panelText.includes('Supabase sync')) throw new Error(`the sync health panel has no "Supabase sync" title: ${panelText.slice(0, 300)}`)
    const state = await panel.getAttribute('data-state')
    const dealersRow = panel.locator('tr[data-collection="dealers"]')
    const cells = (await dealersRow.locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim())
    const documents = Number((await queryOne<{ n: string }>(stack.databaseUri, 'select count(*) as n from dealers', []))?.n)
    const rows = Number((await queryOne<{ n: string }>(stack.supabaseDbUri, 'select count(*) as n from public.dealers', []))?.n)
    // Collection | Supabase table | Documents | Rows in Supabase (+ a check mark) | Last reconcile
    if (cells[0] !== 'dealers' || cells[1] !== 'dealers' || Number(cells[2]) !== documents || parseInt(cells[3], 10) !== rows) {
      throw new Error(`the panel's dealers row says ${JSON.stringify(cells)}, expected ${documents} documents and ${rows} rows`)
    }
    const eventsHref = await panel.getByRole('link', { name: /sync events/i }).getAttribute('href')
    if (!eventsHref?.endsWith('/collections/supabase-sync-events')) throw new Error(`the sync events link points to ${eventsHref}`)
    const dashboardMs = Date.now() - t
    await page.screenshot({ path: dashboardScreenshotPath, fullPage: true })
    if (state !== 'ok') {
      const problems = await panel.locator('.supabase-sync-health__problems li').allInnerTexts()
      throw new Error(`the sync health panel says "${state}": ${problems.join('; ') || panelText.slice(0, 300)}`)
    }
    step(`dashboard: sync health panel OK, dealers ${cells[2]} documents / ${parseInt(cells[3], 10)} rows (${seconds(dashboardMs)}), screenshot: ${dashboardScreenshotPath}`)

    t = Date.now()
    await page.goto(`${app.url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
    const nameInput = page.locator('#field-name')
    await nameInput.waitFor({ timeout: 120_000 })
    const shown = await nameInput.inputValue()
    if (shown !== dealer.name) throw new Error(`the edit view shows name ${JSON.stringify(shown)}, expected ${JSON.stringify(dealer.name)}`)
    step(`edit view of "${shown}" (${seconds(Date.now() - t)})`)
    // The JSON fields' code editor (Monaco, served locally by the dev app: dev/components/LocalMonaco.tsx).
    const editors = await page
      .locator('.monaco-editor')
      .first()
      .waitFor({ timeout: 20_000 })
      .then(() => page!.locator('.monaco-editor').count())
      .catch(() => 0)
    step(editors ? `JSON fields: ${editors} code editors rendered` : 'WARNING: the JSON fields show no code editor (Monaco did not load)')

    const newName = `${dealer.name} (smoke ${new Date().toISOString().slice(11, 19)})`
    await nameInput.fill(newName)
    const saveResponse = page.waitForResponse(
      (res) => res.url().includes(`/api/dealers/${dealer.id}`) && ['PATCH', 'POST'].includes(res.request().method()),
      { timeout: 30_000 },
    )
    t = Date.now()
    await page.click('#action-save')
    const response = await saveResponse
    const savedMs = Date.now() - t
    if (!response.ok()) throw new Error(`save answered ${response.status()}: ${(await response.text()).slice(0, 500)}`)
    step(`saved "${newName}": ${response.request().method()} ${response.status()} in ${seconds(savedMs)}`)

    const syncMs = await waitForSupabaseName(stack, dealer.id, newName)
    step(`Supabase row changed ${seconds(syncMs)} after the save answered (${seconds(savedMs + syncMs)} after the click)`)

    const inPayload = await queryOne<{ name: string }>(stack.databaseUri, 'select name from dealers where id = $1', [dealer.id])
    if (inPayload?.name !== newName) throw new Error(`Payload's database says ${JSON.stringify(inPayload?.name)}`)

    await page
      .getByText(/updated successfully/i)
      .first()
      .waitFor({ timeout: 5_000 })
      .then(() => step('the admin shows "Updated successfully"'))
      .catch(() => step('(no "Updated successfully" toast seen)'))
    await page.screenshot({ path: screenshotPath, fullPage: true })
    step(`screenshot: ${screenshotPath}`)
    console.log(
      `\nSMOKE OK: next ready ${seconds(timings.nextReadyMs)}, first /admin ${seconds(firstAdminMs)}, health panel ${seconds(dashboardMs)}, ` +
        `save ${seconds(savedMs)}, save->Supabase ${seconds(syncMs)}, total ${elapsed()}`,
    )
    if (consoleErrors.length) console.log(`browser console errors (${consoleErrors.length}):\n  ${consoleErrors.slice(0, 10).join('\n  ')}`)
  } catch (error) {
    console.error(`\nSMOKE FAILED after ${elapsed()}:`, error)
    if (page) await page.screenshot({ path: screenshotPath, fullPage: true }).catch(() => {})
    if (consoleErrors.length) console.error(`browser console errors:\n  ${consoleErrors.slice(0, 10).join('\n  ')}`)
    console.error(`last lines of next dev (all in ${nextLogPath}):\n${nextLog.slice(-40).join('\n')}`)
    process.exitCode = 1
  } finally {
    await fs.writeFile(nextLogPath, nextLog.join('\n') + '\n').catch(() => {})
    await browser?.close().catch(() => {})
    await app?.stop().catch((err) => console.error('stopping the dev app failed:', err))
    await fs.rm(dataRoot, { recursive: true, force: true }).catch(() => {})
  }
}

await main().catch((error: Error) => {
  console.error(`SMOKE FAILED: ${error.message}`)
  process.exitCode = 1
})
// Lingering handles (pg pools of the seed) must not keep the smoke test alive.
process.exit(process.exitCode ?? 0)
