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
 * change); the run itself (the dev app, Chromium, reporting) is dev/browser.ts's; each screen's steps
 * are in dev/smoke/, called here in order. Exit code 0 when it all worked, 1 otherwise.
 *
 * Slow (Next compiles /admin on the first request, about 30-60 s): not part of the vitest suite.
 * It shares dev/.next with `npm run dev`, so don't run both at once. Its next dev does not rebuild when
 * files change (DEV_NO_WATCH, dev/next.config.mjs), so editing the code while it runs cannot disturb it.
 */
import path from 'node:path'
import { login, resultsDir, runBrowserTests, isMain, type BrowserTest, seconds } from './browser.js'
import { warmUp } from './devApp.js'
import { createDealer } from './smoke/create-dealer.js'
import { checkDashboard } from './smoke/dashboard.js'
import { queryOne, type SupabaseDealer } from './smoke/dealer-rows.js'
import { checkDealersList } from './smoke/dealers-list.js'
import { editDealer } from './smoke/edit-dealer.js'
import { watchRequests, type SmokePage } from './smoke/form-requests.js'

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

    const screen: SmokePage = { app, page, requests, step, shot }
    const dashboardMs = await checkDashboard(screen)
    const edited = await editDealer(screen, dealer, vinsolutions)
    const created = await createDealer(screen, expectedErrors, edited.stamp)
    const listMs = await checkDealersList(screen, edited.newName, created)
    return (
      `next ready ${seconds(timings.nextReadyMs)}, first /admin ${seconds(firstAdminMs)}, health panel ${seconds(dashboardMs)}, ` +
      `edit view ${seconds(edited.editViewMs)} + JSON editors ${seconds(edited.editorsMs)}, save ${seconds(edited.savedMs)}, save->Supabase ${seconds(edited.syncMs)}, ` +
      `create ${seconds(created.createMs)}, list ${seconds(listMs)}; screenshots in ${path.relative(process.cwd(), resultsDir) || '.'}/`
    )
  },
}

if (isMain(import.meta.url)) await runBrowserTests([smokeTest], 'smoke-admin')
