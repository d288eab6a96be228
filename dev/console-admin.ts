/**
 * `npm run console:admin`: the sync console, the document's Supabase box and the list column in a real
 * browser, end to end. Starts what `npm run dev` starts (a throw-away data directory, free ports; as
 * dev/smoke-admin.ts does), drives headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core; this script installs nothing — `.ci/smoke` installs chromium in CI), and:
 *
 *  1. logs in; the dashboard panel says OK and links to the console, the navigation has its link;
 *  2. tampers a dealer's row in Supabase (SQL on the stack's Supabase database: the name, a key of
 *     `api_config`, and `created_at`, a column Payload owns);
 *  3. opens the console from the panel; **Check now** runs as a background run (progress polled) and
 *     lists the changed row; its side-by-side table shows the differing fields with both values (the
 *     `api_config` key on its own line, JSON pretty-printed; `created_at` says why it cannot be pulled);
 *     the header's health shows the check's drift without a reload;
 *  4. the dashboard panel now tells the truth: the last check's drift with its age, although the
 *     counts are equal;
 *  5. **Use Supabase value** on the `api_config` key (its delivery back to Supabase held for a moment):
 *     the document in Payload has Supabase's value, its other fields are Payload's, and the console
 *     shows the rest still differing; released, Payload's row goes back to Supabase;
 *  6. the row is tampered again; **Check now**, **Push to Supabase**: the row equals the document;
 *  7. the sidebar box of the dealer goes Differs → In sync (**Compare** shows the table, **Sync now**);
 *  8. the list view's Supabase column: a pill per row, from one documents request for the page;
 *  9. a delivery fails for good when the dealer is saved (a check constraint added to Supabase's table
 *     refuses the new name: 23514, HTTP 400): the box and the console show the failed job with its
 *     cause; the constraint is dropped (the cause fixed) and **Retry** delivers it;
 * 10. the Sync events, filtered by the document, show the pull, the push and the retry with the user;
 * 11. a user without the plugin's `read` right (role "editor" in dev/payload.config.ts) sees no link,
 *     no panel, no box and no pills, and gets the admin's not-found page at /admin/supabase-sync.
 *
 * Every wait is for a condition (an element, a response, a row in a database), never a fixed time.
 * Screenshots go to test-results/ (SMOKE_RESULTS_DIR to change): console-admin-console.png and
 * console-admin-sidebar-box.png, and a few more. The run itself (the dev app, Chromium, login,
 * reporting) is dev/browser.ts's, shared with the smoke test. Exit code 0 when it all worked, 1
 * otherwise. Shares dev/.next with `npm run dev` and the smoke test: don't run them at once.
 */ import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { Locator, Page, Request } from 'playwright-core'
import {
  assert,
  confirmModal,
  Db,
  ensure,
  login,
  responseTo,
  runBrowserTests,
  isMain,
  type BrowserTest,
  seconds,
  syncTimeoutMs,
  until,
} from './browser.js'

const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim()

/** The JSON a `<pre>` of the side-by-side table shows. */
const shownJson = async (locator: Locator) => JSON.parse(await locator.innerText()) as unknown

/** Screenshots for the README: no caret, no Next.js dev indicator. */
const snap = { caret: 'initial', style: 'nextjs-portal { display: none !important; }' } as const

/**
 * The console has hydrated (its auto-refresh runs, `data-live`): a button clicked on the server's HTML
 * before that does nothing.
 */
const hydrated = (page: Page) =>
  page.locator('.supabase-sync-refresh[data-live]').waitFor({ timeout: 120_000 })

type DealerRow = {
  name: string
  slug: string
  created_at: string
  api_config: { utm_config?: unknown } & Record<string, unknown>
}
export const consoleTest: BrowserTest = {
  label: 'CONSOLE',
  prefix: 'console-admin',
  body: async ({ app, open, step, shot }) => {
    const timings: Record<string, number> = {}
    const { stack, url } = app
    const payloadDb = new Db(stack.databaseUri)
    const supabaseDb = new Db(stack.supabaseDbUri)
    try {
      const [dealer] = await payloadDb.query<{ id: string; name: string; utm_config: unknown }>(
        "select id, name, utm_config from dealers where slug = 'northside-motors'",
      )
      assert(dealer, () => 'the seeded dealer northside-motors is missing')
      const supabaseRow = async () =>
        (
          await supabaseDb.query<DealerRow>(
            'select name, slug, created_at::text, api_config from public.dealers where id = $1',
            [dealer.id],
          )
        )[0]
      const payloadDoc = async () =>
        (
          await payloadDb.query<{ name: string; utm_config: unknown }>(
            'select name, utm_config from dealers where id = $1',
            [dealer.id],
          )
        )[0]
      assert((await supabaseRow())?.name === dealer.name, () => 'the dealer is not in Supabase')

      const { page, expect: expectedErrors } = await open()
      /** The plugin's state of the dealer, through the documents endpoint with the admin's session. */
      const stateOfDealer = async () => {
        const get = () =>
          page.request.get(`${url}/api/supabase-sync/documents?collection=dealers&id=${dealer.id}`)
        // A keep-alive connection the server closes just then: once more, on a new one.
        const res = await get().catch((error: Error) => {
          if (/ECONNRESET|socket hang up/.test(error.message)) return get()
          throw error
        })
        assert(res.ok(), () => `GET documents answered ${res.status()}`)
        return (
          (await res.json()) as Array<{ state: string; fields?: Array<{ field: string }> }>
        )[0]
      }

      // 1. Log in; the dashboard panel links to the console, the nav has its link.
      let t = Date.now()
      await login(page, url, app.admin)
      timings.firstAdminAndLogin = Date.now() - t
      step(`logged in (first /admin compile included): ${seconds(timings.firstAdminAndLogin)}`)
      const panel = page.locator('section.supabase-sync-health')
      await panel.waitFor({ timeout: 60_000 })
      assert(
        (await panel.getAttribute('data-state')) === 'ok',
        () => 'the panel does not say OK before the tamper',
      )
      const navLink = page.locator('#nav-supabase-sync')
      await navLink.waitFor({ state: 'attached' })
      assert(
        (await navLink.getAttribute('href'))?.endsWith('/admin/supabase-sync'),
        () => 'the nav link does not point to /admin/supabase-sync',
      )
      await ensure(
        (await text(navLink)) === 'Supabase sync console',
        async () => `the nav link says ${await text(navLink)}`,
      )
      step(
        'dashboard: the panel says OK, links to the console; the navigation has "Supabase sync console"',
      )

      // 2. Tamper the dealer's row in Supabase.
      const tampered = {
        name: 'Tampered in Supabase',
        utm: { source: 'ads', medium: 'cpc', campaign: 'spring' },
      }
      await supabaseDb.query(
        `update public.dealers set name = $2, created_at = '2001-01-01T00:00:00Z', api_config = jsonb_set(api_config, '{utm_config}', $3::jsonb) where id = $1`,
        [dealer.id, tampered.name, JSON.stringify(tampered.utm)],
      )
      step(`tampered ${dealer.id} in Supabase: name, api_config.utm_config, created_at`)

      // 3. The console from the panel's link; Check now; the side-by-side table.
      t = Date.now()
      await Promise.all([
        page.waitForURL(/\/admin\/supabase-sync$/, { timeout: 120_000 }),
        panel.getByRole('link', { name: 'Open the sync console →' }).click(),
      ])
      const drift = page.locator('section.supabase-sync-drift[data-collection="dealers"]')
      await drift.waitFor({ timeout: 120_000 })
      await hydrated(page)
      timings.console = Date.now() - t
      step(`console open in ${seconds(timings.console)}`)

      const checkNow = async (): Promise<string> => {
        const polled: string[] = []
        const onRequest = (req: Request) => {
          if (
            req.method() === 'GET' &&
            /\/api\/supabase-sync\/runs\/[0-9a-f-]{36}$/.test(req.url())
          )
            polled.push(req.url())
        }
        page.on('request', onRequest)
        try {
          const started = responseTo(page, 'POST', '/api/supabase-sync/runs')
          await drift.getByRole('button', { name: 'Check now', exact: true }).click()
          const res = await started
          assert(res.ok(), () => `POST runs answered ${res.status()}`)
          const run = (await res.json()) as { id: string; kind: string }
          assert(run.kind === 'validate', () => `the run is a ${run.kind}`)
          await drift.locator(`.supabase-sync-check-summary[data-run="${run.id}"]`).waitFor()
          assert(polled.length > 0, () => 'the console never polled GET …/runs/:id')
          return run.id
        } finally {
          page.off('request', onRequest)
        }
      }
      t = Date.now()
      await checkNow()
      timings.check = Date.now() - t
      const row = drift.locator(`tr[data-id="${dealer.id}"]`)
      await row.waitFor()
      const differing = await text(row.locator('td').nth(1))
      for (const f of ['name', 'api_config.utm_config', 'created_at'])
        assert(differing.includes(f), () => `the changed row lists "${differing}", not ${f}`)
      await row.getByRole('button', { name: 'Compare', exact: true }).click()
      const compare = drift.locator(`tr[data-compare="${dealer.id}"] table`)
      await compare.waitFor()
      const line = (field: string) => compare.locator(`tr[data-field="${field}"]`)
      const side = (field: string, which: 'payload' | 'supabase') =>
        line(field).locator(`[data-side="${which}"] pre`)
      assert(
        (await text(side('name', 'payload'))) === dealer.name &&
          (await text(side('name', 'supabase'))) === tampered.name,
        () => 'the name line does not show both values',
      )
      const utmPayload = await shownJson(side('api_config.utm_config', 'payload'))
      const utmSupabase = await shownJson(side('api_config.utm_config', 'supabase'))
      assert(
        isDeepStrictEqual(utmPayload, dealer.utm_config) &&
          isDeepStrictEqual(utmSupabase, tampered.utm),
        () =>
          `the api_config › utm_config line shows ${JSON.stringify(utmPayload)} / ${JSON.stringify(utmSupabase)}`,
      )
      assert(
        (await side('api_config.utm_config', 'supabase').innerText()).includes('\n  "campaign"'),
        () => 'the JSON is not pretty-printed',
      )
      assert(
        (await text(line('api_config.utm_config').locator('td').first())) ===
          'api_config › utm_config',
        () => 'the api_config key is not on its own line',
      )
      const readOnly = await text(line('created_at').locator('[data-read-only]'))
      assert(
        /Read-only/.test(readOnly) &&
          (await line('created_at').getByRole('button', { name: 'Use Supabase value' }).count()) ===
            0,
        () => `created_at should say why it cannot be pulled, says ${readOnly}`,
      )
      // The header re-rendered without a reload: the health says what the check found.
      const health = page.locator('section.supabase-sync-console__health[data-state="attention"]')
      await health
        .locator('tr[data-collection="dealers"] td', { hasText: /1 changed row · \d+ (ms|s) ago/ })
        .waitFor()
      // The history charts render from the rollups (the deliveries of this run are in them).
      const charts = await page
        .locator('section[data-history="1h"] figure[data-chart] svg[role="img"]')
        .count()
      assert(charts === 4, () => `expected 4 history charts, found ${charts}`)
      await page.screenshot({ path: shot('console'), fullPage: true, ...snap })
      step(
        `Check now (background run, polled) → changed row with ${differing} in ${seconds(timings.check)}, the header's health updated without a reload; the table shows both values, created_at: "${readOnly.slice(0, 60)}…"`,
      )

      // 4. The dashboard panel: the last check's drift, with its age; counts equal.
      await page.goto(`${url}/admin`, { timeout: 60_000 })
      await panel.waitFor()
      const checkCell = await text(panel.locator('tr[data-collection="dealers"] td').nth(4))
      const cells = (await panel.locator('tr[data-collection="dealers"] td').allInnerTexts()).map(
        (c) => c.trim(),
      )
      const panelState = await panel.getAttribute('data-state')
      assert(
        panelState === 'attention' &&
          /1 changed row · \d+ (ms|s) ago/.test(checkCell) &&
          parseInt(cells[2]!, 10) === parseInt(cells[3]!, 10),
        () =>
          `the panel says ${panelState}, last check "${checkCell}", cells ${JSON.stringify(cells)}`,
      )
      step(
        `dashboard panel: Needs attention, last check "${checkCell}" (documents ${cells[2]} = rows ${parseInt(cells[3]!, 10)})`,
      )

      // Back through the nav link: the console shows the same check's lists again.
      await Promise.all([
        page.waitForURL(/\/admin\/supabase-sync$/),
        page.locator('#nav-supabase-sync').dispatchEvent('click'),
      ])
      await row.waitFor()
      await row.getByRole('button', { name: 'Compare', exact: true }).click()
      await compare.waitFor()

      // 5. Use Supabase value on the api_config key; its delivery back to Supabase held a moment.
      const hold = stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
      t = Date.now()
      try {
        const pulled = responseTo(page, 'POST', '/api/supabase-sync/pull')
        await line('api_config.utm_config')
          .getByRole('button', { name: 'Use Supabase value' })
          .click()
        const modalText = await text(page.locator('.supabase-sync-confirm'))
        assert(/other differing fields/.test(modalText), () => `the modal says ${modalText}`)
        await confirmModal(page, 'Use Supabase value')
        const res = await pulled
        const body = (await res.json()) as { pulled: Array<{ fields: string[] }> }
        assert(
          res.ok() && isDeepStrictEqual(body.pulled[0]?.fields, ['api_config.utm_config']),
          () => `pull answered ${res.status()} ${JSON.stringify(body)}`,
        )
        const doc = await payloadDoc()
        assert(
          isDeepStrictEqual(doc.utm_config, tampered.utm) && doc.name === dealer.name,
          () => `Payload has ${JSON.stringify(doc)}`,
        )
        // The rest still differs: the table, read again, shows the name (and created_at), not the key.
        await line('api_config.utm_config').waitFor({ state: 'detached' })
        await line('name').waitFor()
        await hold.arrived
      } finally {
        hold.release()
      }
      timings.useSupabaseValue = Date.now() - t
      step(
        `Use Supabase value: Payload took api_config.utm_config, its name is still "${dealer.name}", the console shows name still differing (${seconds(timings.useSupabaseValue)})`,
      )
      // Released: Payload's row goes back to Supabase, so both sides end equal.
      await until(
        async () => ((await stateOfDealer()).state === 'in-sync' ? true : undefined),
        syncTimeoutMs,
        () => 'the dealer did not come back in sync after the pull',
        250,
      )
      const afterPull = await supabaseRow()
      assert(
        afterPull.name === dealer.name &&
          isDeepStrictEqual(afterPull.api_config.utm_config, tampered.utm),
        () => `Supabase has ${JSON.stringify(afterPull)}`,
      )

      // 6. Tampered again; Check now; Push to Supabase → the row equals the document.
      await supabaseDb.query(`update public.dealers set name = 'Tampered again' where id = $1`, [
        dealer.id,
      ])
      await checkNow()
      await row.waitFor()
      await ensure(
        (await text(row.locator('td').nth(1))) === 'name',
        async () => `the changed row lists ${await text(row.locator('td').nth(1))}`,
      )
      t = Date.now()
      const pushed = responseTo(page, 'POST', '/api/supabase-sync/sync')
      await row.getByRole('button', { name: 'Push to Supabase', exact: true }).click()
      await confirmModal(page, 'Push to Supabase')
      const pushRes = await pushed
      assert(pushRes.ok(), () => `POST sync answered ${pushRes.status()}`)
      await row.locator('.pill', { hasText: 'In sync' }).waitFor()
      timings.push = Date.now() - t
      const afterPush = await stateOfDealer()
      assert(
        afterPush.state === 'in-sync',
        () => `after the push the dealer is ${JSON.stringify(afterPush)}`,
      )
      assert(
        (await supabaseRow()).name === dealer.name,
        () => 'Supabase has another name after the push',
      )
      step(`Push to Supabase: the row equals the document (${seconds(timings.push)})`)

      // 7. The sidebar box: Differs → In sync.
      await supabaseDb.query(
        `update public.dealers set name = 'Tampered for the box' where id = $1`,
        [dealer.id],
      )
      t = Date.now()
      await page.goto(`${url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
      const box = page.locator('.supabase-sync-document')
      await page
        .locator('.supabase-sync-document[data-state="differs"]')
        .waitFor({ timeout: 120_000 })
      timings.editView = Date.now() - t
      const boxText = await text(box)
      assert(/Differs/.test(boxText) && /name/.test(boxText), () => `the box says ${boxText}`)
      await box.screenshot({ path: shot('sidebar-box'), ...snap })
      await page.screenshot({ path: shot('sidebar-box-page'), fullPage: true, ...snap })
      await box.getByRole('button', { name: 'Compare', exact: true }).click()
      const drawer = page.locator('.supabase-sync-compare-drawer')
      await drawer
        .locator('tr[data-field="name"] [data-side="supabase"]', {
          hasText: 'Tampered for the box',
        })
        .waitFor()
      await drawer.locator('.drawer__header__close').click()
      await drawer.locator('table').waitFor({ state: 'hidden' })
      const synced = responseTo(page, 'POST', '/api/supabase-sync/sync')
      await box.getByRole('button', { name: 'Sync now', exact: true }).click()
      await confirmModal(page, 'Sync now')
      assert((await synced).ok(), () => 'Sync now failed')
      await page.locator('.supabase-sync-document[data-state="in-sync"]').waitFor()
      step(
        `sidebar box: Differs (name) → Compare → Sync now → In sync (edit view ${seconds(timings.editView)})`,
      )

      // 8. The list view's column: a pill per row from one documents request.
      const documentsRequests: string[] = []
      const onDocuments = (req: Request) => {
        if (req.url().includes('/api/supabase-sync/documents')) documentsRequests.push(req.url())
      }
      page.on('request', onDocuments)
      t = Date.now()
      await page.goto(`${url}/admin/collections/dealers`, { timeout: 120_000 })
      const rows = page.locator('.table tbody tr')
      await rows.first().waitFor()
      const rowCount = await rows.count()
      await until(
        async () =>
          (await page.locator('.supabase-sync-cell').count()) === rowCount ? true : undefined,
        syncTimeoutMs,
        () => `not every row has a pill (${rowCount} rows)`,
      )
      page.off('request', onDocuments)
      const ids = documentsRequests.map((u) => new URL(u).searchParams.getAll('id'))
      assert(
        documentsRequests.length === 1 && ids[0]!.length === rowCount,
        () => `the list asked ${documentsRequests.length} times: ${documentsRequests.join(' ')}`,
      )
      const pill = await text(
        page.locator('.table tbody tr', { hasText: dealer.name }).locator('.supabase-sync-cell'),
      )
      assert(pill === 'In sync', () => `the dealer's pill says ${pill}`)
      const headers = (await page.locator('.table thead th').allInnerTexts())
        .map((h) => h.trim())
        .filter(Boolean)
      await page.screenshot({ path: shot('list'), fullPage: true, caret: 'initial' })
      timings.list = Date.now() - t
      step(
        `list view: ${rowCount} pills from 1 documents request (${ids[0]!.length} ids); headers ${headers.join(' | ')}`,
      )

      // 9. A failed delivery: Supabase's table gets a check constraint the new name breaks (PostgreSQL
      // answers 23514, PostgREST 400: it fails for good); the dealer is saved; the cause is shown; the
      // constraint is dropped (the cause fixed); Retry delivers it.
      await supabaseDb.query(
        `alter table public.dealers add constraint dealers_name_check check (name not like '%(console %') not valid`,
      )
      expectedErrors.push(/status of 400/)
      await page.goto(`${url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
      await page
        .locator('.supabase-sync-document[data-state="in-sync"]')
        .waitFor({ timeout: 60_000 })
      const newName = `${dealer.name} (console ${new Date().toISOString().slice(11, 19)})`
      await page.locator('#field-name').fill(newName)
      const saved = page.waitForResponse(
        (res) =>
          res.url().includes(`/api/dealers/${dealer.id}`) &&
          ['PATCH', 'POST'].includes(res.request().method()),
      )
      await page.click('#action-save')
      assert((await saved).ok(), () => 'the save failed')
      await page
        .locator('.supabase-sync-document[data-state="failed"]')
        .waitFor({ timeout: syncTimeoutMs })
      const failedBox = await text(box)
      assert(/check constraint/.test(failedBox), () => `the box says ${failedBox}`)
      step(`saved "${newName}": the delivery failed; the box says "${failedBox.slice(0, 120)}"`)

      await page.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
      const failure = page.locator(
        `section.supabase-sync-console__failures tr[data-id="${dealer.id}"]`,
      )
      await failure.waitFor()
      await hydrated(page)
      const failureText = await text(failure)
      assert(
        /check constraint "dealers_name_check"/.test(failureText) &&
          /HTTP 400/.test(failureText) &&
          /code 23514/.test(failureText),
        () => `the failed delivery says ${failureText}`,
      )
      await page.screenshot({ path: shot('failed-delivery'), fullPage: true, caret: 'initial' })
      await supabaseDb.query('alter table public.dealers drop constraint dealers_name_check')
      t = Date.now()
      const retried = responseTo(page, 'POST', '/api/supabase-sync/retry')
      await failure.getByRole('button', { name: 'Retry', exact: true }).click()
      await confirmModal(page, 'Retry')
      const retryRes = await retried
      timings.retryAnswered = Date.now() - t
      const retryBody = (await retryRes.json()) as { retried: string[]; upserted: number }
      assert(
        retryRes.ok() && retryBody.retried.includes(dealer.id) && retryBody.upserted === 1,
        () => `retry answered ${JSON.stringify(retryBody)}`,
      )
      await failure.waitFor({ state: 'detached' })
      assert(
        (await supabaseRow()).name === newName,
        () => 'Supabase does not have the new name after Retry',
      )
      assert((await stateOfDealer()).state === 'in-sync', () => 'not in sync after Retry')
      timings.retry = Date.now() - t
      step(
        `failed delivery shown with its cause ("${failureText.slice(0, 90)}…"); constraint dropped, Retry delivered it (answered in ${seconds(timings.retryAnswered)}, row gone from the list ${seconds(timings.retry)})`,
      )

      // 10. Sync events, filtered by the document: the pull, the push and the retry, with the user.
      const events = page.locator('section.supabase-sync-console__events')
      await events.getByLabel('Filter by document id').fill(dealer.id)
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('events_document') === dealer.id),
        events.getByRole('button', { name: 'Filter', exact: true }).click(),
      ])
      for (const action of ['pull', 'sync', 'retry'])
        await events
          .locator(`tbody tr[data-action="${action}"]`, { hasText: app.admin.email })
          .first()
          .waitFor()
      const listed = await events.locator('tbody tr').count()
      const allLink = await events
        .getByRole('link', { name: 'All Sync events →' })
        .getAttribute('href')
      assert(
        allLink?.endsWith('/admin/collections/supabase-sync-events'),
        () => `All Sync events → ${allLink}`,
      )
      step(
        `Sync events filtered by the document: ${listed} events, pull / sync / retry by ${app.admin.email}`,
      )

      // 11. A user without `read`: no link, no panel, no box, no pills, and the not-found page.
      // (The admin's console stops refreshing itself in the background first.)
      await page.goto('about:blank')
      const editor = {
        email: 'editor@example.com',
        password: `editor-${randomBytes(9).toString('base64url')}`,
      }
      const created = await page.request.post(`${url}/api/users`, {
        data: { ...editor, role: 'editor' },
      })
      await ensure(
        created.ok(),
        async () => `creating the editor answered ${created.status()}: ${await created.text()}`,
      )
      const { page: editorPage, expect: editorErrors } = await open()
      editorErrors.push(/status of 40[34]/)
      await login(editorPage, url, editor)
      assert(
        (await editorPage.locator('#nav-supabase-sync').count()) === 0,
        () => 'the editor sees the nav link',
      )
      assert(
        (await editorPage.locator('section.supabase-sync-health').count()) === 0,
        () => 'the editor sees the panel',
      )
      const status = await editorPage.request.get(`${url}/api/supabase-sync/status`)
      assert(status.status() === 403, () => `GET status answered ${status.status()} to the editor`)
      const notFound = await editorPage.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
      await editorPage
        .getByText(/nothing found|not found/i)
        .first()
        .waitFor()
      assert(
        notFound?.status() === 404 &&
          (await editorPage.locator('.supabase-sync-drift').count()) === 0,
        () => `the editor got ${notFound?.status()} at /admin/supabase-sync`,
      )
      await editorPage.screenshot({
        path: shot('editor-not-found'),
        fullPage: true,
        caret: 'initial',
      })
      await editorPage.goto(`${url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
      await editorPage.locator('#field-name').waitFor()
      await editorPage.locator('#action-save').waitFor()
      assert(
        (await editorPage.locator('.supabase-sync-document').count()) === 0,
        () => 'the editor sees the box',
      )
      const refused = editorPage.waitForResponse((res) =>
        res.url().includes('/api/supabase-sync/documents'),
      )
      await editorPage.goto(`${url}/admin/collections/dealers`, { timeout: 120_000 })
      await editorPage.locator('.table tbody tr').first().waitFor()
      assert(
        (await refused).status() === 403,
        () => 'the list asked the documents endpoint for the editor without a 403',
      )
      assert(
        (await editorPage.locator('.supabase-sync-cell').count()) === 0,
        () => 'the editor sees pills',
      )
      step(
        'editor (no read): no nav link, no panel, 403 from the endpoints, 404 not-found page at /admin/supabase-sync, no box, no pills',
      )
      await editorPage.context().close()

      return (
        `next ready ${seconds(app.timings.nextReadyMs)}, first /admin + login ${seconds(timings.firstAdminAndLogin)}, console ${seconds(timings.console)}, ` +
        `check ${seconds(timings.check)}, use Supabase value ${seconds(timings.useSupabaseValue)}, push ${seconds(timings.push)}, edit view ${seconds(timings.editView)}, ` +
        `list ${seconds(timings.list)}, retry ${seconds(timings.retry)}; screenshots: ${path.relative(process.cwd(), shot('console'))}, ${path.relative(process.cwd(), shot('sidebar-box'))}`
      )
    } finally {
      await payloadDb.close()
      await supabaseDb.close()
    }
  },
}

if (isMain(import.meta.url)) await runBrowserTests([consoleTest], 'console-admin')
