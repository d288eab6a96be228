/**
 * `npm run smoke:admin`: the admin in a real browser, end to end. Starts what `npm run dev` starts (on a
 * throw-away data directory and free ports), logs in with headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core; this script installs nothing — `.ci/smoke` installs chromium in CI), and:
 *
 * 1. dashboard: the plugin's sync health panel (src/admin/SyncHealth.tsx) says "Supabase sync", OK, and
 *    the dealers' document and row counts as both databases have them;
 * 2. edit a seeded dealer through the Dealers form: rename it, choose platforms in the multi-select (the
 *    HomeNet and Dealer.com settings appear), fill HomeNet's rooftop ID and feed URL, type Dealer.com's
 *    settings into its JSON editor, deselect VinSolutions (its settings disappear), save — and wait for
 *    the Supabase row to carry the name, the rooftop_id column and the whole `api_config` (with
 *    VinSolutions' hidden settings kept);
 * 3. create a dealer: a bad website domain is refused with the field's message, a fixed one saves, and
 *    the Supabase row has the slug made from the name;
 * 4. the list view shows the columns name, slug, website domain and inventory platforms.
 *
 * Every wait is for a condition (an element, the form's requests finishing, a row in Supabase), never a
 * fixed time. Screenshots (admin-*.png) and Next's output go to test-results/ (SMOKE_RESULTS_DIR to
 * change); the run itself (the dev app, Chromium, reporting) is dev/browser.ts's. Exit code 0 when it
 * all worked, 1 otherwise.
 *
 * Slow (Next compiles /admin on the first request, about 30-60 s): not part of the vitest suite.
 * It shares dev/.next with `npm run dev`, so don't run both at once. Its next dev does not rebuild when
 * files change (DEV_NO_WATCH, dev/next.config.mjs), so editing the code while it runs cannot disturb it.
 */
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import pg from 'pg'
import type { Locator, Page, Request } from 'playwright-core'
import {
  login,
  resultsDir,
  runBrowserTests,
  isMain,
  type BrowserTest,
  seconds,
  syncTimeoutMs,
  until,
} from './browser.js'
import { warmUp, type DevApp } from './devApp.js'

async function queryOne<T>(
  connectionString: string,
  sql: string,
  params: unknown[],
): Promise<T | undefined> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows[0] as T | undefined
  } finally {
    await client.end()
  }
}

type SupabaseDealer = {
  name: string
  slug: string
  domain: string | null
  rooftop_id: string | null
  api_config: Record<string, unknown>
}

/** Polls the Supabase side until the dealer's row passes `matches`; resolves with the row and the time it took. */
async function waitForSupabaseRow(
  stack: DevApp['stack'],
  where: { id: string } | { name: string },
  matches: (row: SupabaseDealer) => boolean,
): Promise<{ row: SupabaseDealer; ms: number }> {
  const client = new pg.Client({ connectionString: stack.supabaseDbUri })
  await client.connect()
  const t = Date.now()
  let last: SupabaseDealer | undefined
  try {
    const [column, value] = 'id' in where ? ['id', where.id] : ['name', where.name]
    const row = await until(
      async () => {
        const { rows } = await client.query<SupabaseDealer>(
          `select name, slug, domain, rooftop_id, api_config from public.dealers where ${column} = $1`,
          [value],
        )
        last = rows[0]
        return last && matches(last) ? last : undefined
      },
      syncTimeoutMs,
      () =>
        `the Supabase row of ${column} ${JSON.stringify(value)} is not as expected: ${JSON.stringify(last ?? null)}`,
    )
    return { row, ms: Date.now() - t }
  } finally {
    await client.end()
  }
}
/**
 * The page's requests to the app, to wait until the admin's form is done talking to the server: after a
 * change, Payload's form waits 250 ms, then asks the server for the new form state (which fields the
 * conditions show, validation); filling a field that such an answer is about to replace loses the input.
 */
function watchRequests(page: Page, origin: string) {
  const inflight = new Set<Request>()
  let lastActivity = Date.now()
  const counts = (req: Request) =>
    req.url().startsWith(origin) && !req.url().includes('/_next/webpack-hmr')
  page.on('request', (req) => {
    if (!counts(req)) return
    inflight.add(req)
    lastActivity = Date.now()
  })
  const done = (req: Request) => {
    if (inflight.delete(req)) lastActivity = Date.now()
  }
  page.on('requestfinished', done)
  page.on('requestfailed', done)
  return {
    /** Resolves once no request to the app has been open for `quietMs` (longer than the form's 250 ms debounce). */
    idle(what: string, quietMs = 600, timeoutMs = 30_000): Promise<true> {
      return until(
        () => (inflight.size === 0 && Date.now() - lastActivity >= quietMs ? true : undefined),
        timeoutMs,
        () =>
          `${what}: requests still open: ${[...inflight].map((r) => `${r.method()} ${r.url()}`).join(', ') || '(none, but never quiet)'}`,
      )
    },
  }
}

/** Chooses `labels` in a Payload select with hasMany (react-select), one at a time. */
async function choose(select: Locator, page: Page, labels: string[]): Promise<void> {
  for (const label of labels) {
    await select.locator('.rs__control').click()
    await page.locator('.rs__menu .rs__option', { hasText: label }).first().click()
    await select.locator('.multi-value-label__text', { hasText: label }).waitFor()
  }
}

const chosen = async (select: Locator) =>
  (await select.locator('.multi-value-label__text').allInnerTexts()).map((t) => t.trim())

/**
 * Types `text` into the JSON field's code editor (Monaco) as a user does, key by key (Monaco closes
 * brackets and quotes and types over them), and checks that the editor holds exactly that JSON.
 */
async function typeJson(page: Page, fieldId: string, value: unknown): Promise<void> {
  const editor = page.locator(`#${fieldId} .monaco-editor`)
  await editor.waitFor()
  await editor.locator('.view-lines').click()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.press('Delete')
  await page.keyboard.type(JSON.stringify(value))
  await page.keyboard.press('Escape') // closes a suggestion box, if any
  const held = await editor.evaluate((node) => {
    const monaco = (
      window as unknown as {
        monaco?: {
          editor: { getEditors(): { getContainerDomNode(): Element; getValue(): string }[] }
        }
      }
    ).monaco
    return monaco?.editor
      .getEditors()
      .find((e) => node.contains(e.getContainerDomNode()) || e.getContainerDomNode().contains(node))
      ?.getValue()
  })
  let parsed: unknown
  try {
    parsed = held === undefined ? undefined : JSON.parse(held)
  } catch {
    // below
  }
  if (!isDeepStrictEqual(parsed, value))
    throw new Error(
      `the ${fieldId} editor holds ${JSON.stringify(held)} after typing ${JSON.stringify(JSON.stringify(value))}`,
    )
}

export const smokeTest: BrowserTest = {
  label: 'SMOKE',
  prefix: 'admin',
  body: async ({ app, open, step, shot }) => {
    const { stack, timings } = app
    // The seeded dealer on VinSolutions only (dev/seed-dealers.ts): HomeNet and Dealer.com get added below.
    const dealer = await queryOne<{ id: string; name: string }>(
      stack.databaseUri,
      "select id, name from dealers where slug = 'lakeview-auto'",
      [],
    )
    if (!dealer) throw new Error('the seeded dealer lakeview-auto is missing')
    const before = await queryOne<SupabaseDealer>(
      stack.supabaseDbUri,
      'select name, api_config from public.dealers where id = $1',
      [dealer.id],
    )
    if (before?.name !== dealer.name)
      throw new Error(
        `the seeded dealer ${dealer.id} is not in Supabase (found ${JSON.stringify(before)})`,
      )
    const vinsolutions = (before.api_config as { vinsolutions_config?: unknown })
      .vinsolutions_config
    step(
      `dealer ${dealer.id} "${dealer.name}" is in Supabase (platforms ${JSON.stringify(before.api_config.platforms)})`,
    )

    const { page, expect: expectedErrors } = await open()
    const requests = watchRequests(page, app.url)
    // The Monaco route (app/monaco), compiled in the same pass as /admin rather than while logging in:
    // MonacoPreload asks for it as soon as the login page is idle.
    const monacoWarm = warmUp(`${app.url}/monaco/vs/loader.js`).then(
      ({ ms, status }) => (status === 200 ? `${seconds(ms)}` : `status ${status}`),
      (err: Error) => `failed: ${err.message}`,
    )
    const { loginPageMs: firstAdminMs, loginMs } = await login(page, app.url, app.admin)
    step(
      `first /admin/login (compile + render): ${seconds(firstAdminMs)}; /monaco/vs/loader.js: ${await monacoWarm}`,
    )
    step(`logged in: ${page.url()} (${seconds(loginMs)})`)

    // 1. The plugin's sync health panel on the dashboard (beforeDashboard, a server component).
    let t = Date.now()
    const panel = page.locator('section.supabase-sync-health')
    await panel.waitFor({ timeout: 60_000 })
    const panelText = (await panel.innerText()).replace(/\s+/g, ' ')
    if (!panelText.includes('Supabase sync'))
      throw new Error(
        `the sync health panel has no "Supabase sync" title: ${panelText.slice(0, 300)}`,
      )
    const state = await panel.getAttribute('data-state')
    const dealersRow = panel.locator('tr[data-collection="dealers"]')
    const cells = (await dealersRow.locator('td').allInnerTexts()).map((c) =>
      c.replace(/\s+/g, ' ').trim(),
    )
    const documents = Number(
      (await queryOne<{ n: string }>(stack.databaseUri, 'select count(*) as n from dealers', []))
        ?.n,
    )
    const rows = Number(
      (
        await queryOne<{ n: string }>(
          stack.supabaseDbUri,
          'select count(*) as n from public.dealers',
          [],
        )
      )?.n,
    )
    // Collection | Supabase table | Documents | Rows in Supabase (+ a check mark) | Last reconcile
    if (
      cells[0] !== 'dealers' ||
      cells[1] !== 'dealers' ||
      Number(cells[2]) !== documents ||
      parseInt(cells[3]!, 10) !== rows
    ) {
      throw new Error(
        `the panel's dealers row says ${JSON.stringify(cells)}, expected ${documents} documents and ${rows} rows`,
      )
    }
    const eventsHref = await panel.getByRole('link', { name: /sync events/i }).getAttribute('href')
    if (!eventsHref?.endsWith('/collections/supabase-sync-events'))
      throw new Error(`the sync events link points to ${eventsHref}`)
    const dashboardMs = Date.now() - t
    await page.screenshot({ path: shot('dashboard'), fullPage: true })
    if (state !== 'ok') {
      const problems = await panel.locator('.supabase-sync-health__problems li').allInnerTexts()
      throw new Error(
        `the sync health panel says "${state}": ${problems.join('; ') || panelText.slice(0, 300)}`,
      )
    }
    step(
      `dashboard: sync health panel OK, dealers ${cells[2]} documents / ${parseInt(cells[3]!, 10)} rows (${seconds(dashboardMs)})`,
    )

    // 2. Edit the dealer through the form.
    t = Date.now()
    await page.goto(`${app.url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
    const nameInput = page.locator('#field-name')
    await nameInput.waitFor({ timeout: 120_000 })
    const shown = await nameInput.inputValue()
    if (shown !== dealer.name)
      throw new Error(
        `the edit view shows name ${JSON.stringify(shown)}, expected ${JSON.stringify(dealer.name)}`,
      )
    const editViewMs = Date.now() - t
    // The JSON fields' code editor (Monaco, served by this dev app: dev/monaco-local.cjs, app/monaco, app/(payload)/MonacoPreload.tsx).
    await page.locator('#field-vinsolutions_config .monaco-editor').waitFor({ timeout: 60_000 })
    const editorsMs = Date.now() - t - editViewMs
    step(
      `edit view of "${shown}" in ${seconds(editViewMs)}, its JSON editors ${seconds(editorsMs)} later`,
    )

    const platforms = page.locator('#field-platforms')
    const labels = {
      platforms: await page.locator('label[for="field-platforms"]').innerText(),
      vinsolutions: await page.locator('label[for="field-vinsolutions_config"]').innerText(),
    }
    if (
      !/Inventory platforms/.test(labels.platforms) ||
      !/VinSolutions settings/.test(labels.vinsolutions)
    )
      throw new Error(`unexpected labels ${JSON.stringify(labels)}`)
    if (JSON.stringify(await chosen(platforms)) !== '["VinSolutions"]')
      throw new Error(`the multi-select shows ${JSON.stringify(await chosen(platforms))}`)
    if (await page.locator('#field-homenet_config__rooftop_id').count())
      throw new Error('HomeNet settings are shown although HomeNet is not selected')
    if (await page.locator('#field-dealer_com_config').count())
      throw new Error('Dealer.com settings are shown although Dealer.com is not selected')

    const stamp = new Date().toISOString().slice(11, 19)
    const newName = `${dealer.name} (smoke ${stamp})`
    const homenet = {
      rooftop_id: `RT-SMOKE-${stamp.replace(/:/g, '')}`,
      feed_url: `https://feeds.example/homenet/smoke-${stamp.replace(/:/g, '')}.csv`,
    }
    const dealerCom = { account: 'lakeview', region: 'us-west', smoke: stamp }
    await nameInput.fill(newName)
    // The name's form-state round trip first: Payload drops a form-state answer that a later change
    // has made stale, and under load the platform's answer was the one dropped (its settings never
    // appeared; CI, 90 s).
    await requests.idle('the form after the name')

    t = Date.now()
    // One platform at a time, each shown by the conditions once the server has answered the form's
    // change: a second change while the first one's form state is on its way can go unanswered.
    await choose(platforms, page, ['HomeNet'])
    await page.locator('#field-homenet_config__rooftop_id').waitFor()
    await requests.idle('the form after choosing HomeNet')
    await choose(platforms, page, ['Dealer.com'])
    await page.locator('#field-dealer_com_config .monaco-editor').waitFor()
    await requests.idle('the form after choosing platforms')
    step(`chose HomeNet and Dealer.com: their settings appeared in ${seconds(Date.now() - t)}`)

    await page.locator('#field-homenet_config__rooftop_id').fill(homenet.rooftop_id)
    await page.locator('#field-homenet_config__feed_url').fill(homenet.feed_url)
    await typeJson(page, 'field-dealer_com_config', dealerCom)
    await platforms
      .locator('.multi-value', { hasText: 'VinSolutions' })
      .locator('.multi-value-remove')
      .click()
    await page.locator('#field-vinsolutions_config').waitFor({ state: 'detached' })
    await requests.idle('the form after filling the settings')
    const kept = {
      rooftop: await page.locator('#field-homenet_config__rooftop_id').inputValue(),
      feed: await page.locator('#field-homenet_config__feed_url').inputValue(),
      name: await nameInput.inputValue(),
      platforms: await chosen(platforms),
    }
    if (
      kept.rooftop !== homenet.rooftop_id ||
      kept.feed !== homenet.feed_url ||
      kept.name !== newName ||
      JSON.stringify(kept.platforms) !== '["HomeNet","Dealer.com"]'
    ) {
      throw new Error(`the form lost input: ${JSON.stringify(kept)}`)
    }
    step(
      'filled HomeNet (rooftop ID, feed URL) and Dealer.com (JSON); deselected VinSolutions, whose settings disappeared',
    )
    await page.screenshot({ path: shot('dealer-edited'), fullPage: true })

    const saveResponse = page.waitForResponse(
      (res) =>
        res.url().includes(`/api/dealers/${dealer.id}`) &&
        ['PATCH', 'POST'].includes(res.request().method()),
      { timeout: 30_000 },
    )
    t = Date.now()
    await page.click('#action-save')
    const response = await saveResponse
    const savedMs = Date.now() - t
    if (!response.ok())
      throw new Error(
        `save answered ${response.status()}: ${(await response.text()).slice(0, 500)}`,
      )
    step(`saved: ${response.request().method()} ${response.status()} in ${seconds(savedMs)}`)

    const expectedApiConfig = {
      platforms: ['homenet', 'dealer_com'],
      homenet_config: homenet,
      dealer_com_config: dealerCom,
      // Hidden (VinSolutions is no longer selected), kept, and still synced: see README "Mapping (dealers)".
      vinsolutions_config: vinsolutions,
      custom_config: null,
      utm_config: null,
    }
    const synced = await waitForSupabaseRow(
      stack,
      { id: dealer.id },
      (row) =>
        row.name === newName &&
        row.rooftop_id === homenet.rooftop_id &&
        isDeepStrictEqual(row.api_config, expectedApiConfig),
    )
    const syncMs = synced.ms
    step(
      `Supabase row has the name, rooftop_id and api_config ${seconds(syncMs)} after the save answered: ${JSON.stringify(synced.row.api_config)}`,
    )

    const inPayload = await queryOne<{ name: string }>(
      stack.databaseUri,
      'select name from dealers where id = $1',
      [dealer.id],
    )
    if (inPayload?.name !== newName)
      throw new Error(`Payload's database says ${JSON.stringify(inPayload?.name)}`)
    await page
      .getByText(/updated successfully/i)
      .first()
      .waitFor({ timeout: 10_000 })
    await requests.idle('the edit view after saving')
    await page.screenshot({ path: shot('dealer-saved'), fullPage: true })
    step('the admin shows "Updated successfully"')

    // 3. Create a dealer: the domain is checked, the slug is made from the name.
    t = Date.now()
    await page.goto(`${app.url}/admin/collections/dealers/create`, { timeout: 120_000 })
    await page.locator('#field-name').waitFor({ timeout: 120_000 })
    await requests.idle('the create view')
    const createdName = `Smoke Test Motors ${stamp}`
    const slug = `smoke-test-motors-${stamp.replace(/:/g, '-')}`
    const domain = `smoke-${stamp.replace(/:/g, '')}.example.com`
    await page.locator('#field-name').fill(createdName)
    await page.locator('#field-domain').fill(`https://${domain}/`)
    expectedErrors.push(/status of 400/)
    await page.click('#action-save')
    const domainError = page
      .locator('.field-type', { has: page.locator('#field-domain') })
      .locator('.field-error')
    await domainError.waitFor({ state: 'attached' })
    const domainMessage = (await domainError.textContent())?.trim() ?? ''
    if (!/host name only, without "https:\/\/"/.test(domainMessage))
      throw new Error(`the domain's error says ${JSON.stringify(domainMessage)}`)
    await page.screenshot({ path: shot('dealer-create-error'), fullPage: true })
    step(`a bad domain is refused: "${domainMessage}"`)
    await page.locator('#field-domain').fill(domain)
    await requests.idle('the create form')
    await Promise.all([
      page.waitForURL(/\/admin\/collections\/dealers\/[0-9a-f-]{36}/, { timeout: 30_000 }),
      page.click('#action-save'),
    ])
    const created = await waitForSupabaseRow(
      stack,
      { name: createdName },
      (row) => row.slug === slug && row.domain === domain,
    )
    await page.locator('#field-slug').waitFor()
    const slugShown = await page.locator('#field-slug').inputValue()
    if (slugShown !== slug)
      throw new Error(
        `the created dealer's slug field shows ${JSON.stringify(slugShown)}, expected ${slug}`,
      )
    await requests.idle('the created dealer')
    await page.screenshot({ path: shot('dealer-created'), fullPage: true })
    const createMs = Date.now() - t
    step(
      `created "${createdName}": slug ${slug} (made from the name), in Supabase ${seconds(created.ms)} after the redirect (${seconds(createMs)} in all)`,
    )

    // 4. The list view: name, slug, domain and platforms (the collection's defaultColumns), with labels.
    t = Date.now()
    await page.goto(`${app.url}/admin/collections/dealers`, { timeout: 120_000 })
    const editedRow = page.locator('.table tbody tr', { hasText: newName })
    await editedRow.waitFor({ timeout: 60_000 })
    const headers = (await page.locator('.table thead th').allInnerTexts())
      .map((h) => h.trim())
      .filter(Boolean)
    if (
      JSON.stringify(headers) !==
      JSON.stringify(['Name', 'Slug', 'Website domain', 'Inventory platforms'])
    ) {
      throw new Error(`the list view's columns are ${JSON.stringify(headers)}`)
    }
    const editedCells = (await editedRow.locator('td').allInnerTexts())
      .map((c) => c.trim())
      .filter(Boolean)
    if (
      !editedCells.includes('lakeview-auto') ||
      !editedCells.some((c) => /HomeNet/.test(c) && /Dealer\.com/.test(c))
    ) {
      throw new Error(`the list view shows the edited dealer as ${JSON.stringify(editedCells)}`)
    }
    const createdCells = (
      await page.locator('.table tbody tr', { hasText: createdName }).locator('td').allInnerTexts()
    )
      .map((c) => c.trim())
      .filter(Boolean)
    if (!createdCells.includes(slug) || !createdCells.includes(domain))
      throw new Error(`the list view shows the created dealer as ${JSON.stringify(createdCells)}`)
    await requests.idle('the list view')
    await page.screenshot({ path: shot('dealers-list'), fullPage: true })
    const listMs = Date.now() - t
    step(
      `list view: ${headers.join(' | ')}; the edited dealer shows ${JSON.stringify(editedCells.slice(1))} (${seconds(listMs)})`,
    )
    return (
      `next ready ${seconds(timings.nextReadyMs)}, first /admin ${seconds(firstAdminMs)}, health panel ${seconds(dashboardMs)}, ` +
      `edit view ${seconds(editViewMs)} + JSON editors ${seconds(editorsMs)}, save ${seconds(savedMs)}, save->Supabase ${seconds(syncMs)}, ` +
      `create ${seconds(createMs)}, list ${seconds(listMs)}; screenshots in ${path.relative(process.cwd(), resultsDir) || '.'}/`
    )
  },
}

if (isMain(import.meta.url)) await runBrowserTests([smokeTest], 'smoke-admin')
