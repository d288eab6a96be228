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
 * reporting) is dev/browser.ts's, shared with the smoke test; the steps are in dev/console/, grouped
 * by the screen they drive, called here in order. Exit code 0 when it all worked, 1 otherwise.
 * Shares dev/.next with `npm run dev` and the smoke test: don't run them at once.
 */
import path from 'node:path'
import { Db, runBrowserTests, isMain, type BrowserTest, seconds } from './browser.js'
import { dashboardLinksToConsole, dashboardShowsDrift } from './console/dashboard.js'
import { listColumnPills, sidebarBoxSyncs } from './console/document-views.js'
import { pushToSupabase, useSupabaseValue } from './console/drift-actions.js'
import { tamperAndCheck } from './console/drift-check.js'
import { editorSeesNothing } from './console/editor-access.js'
import { retryFailedDelivery, syncEventsOfDealer } from './console/failed-delivery.js'
import { openSession } from './console/session.js'

export const consoleTest: BrowserTest = {
  label: 'CONSOLE',
  prefix: 'console-admin',
  body: async (run) => {
    const { app, shot } = run
    const payloadDb = new Db(app.stack.databaseUri)
    const supabaseDb = new Db(app.stack.supabaseDbUri)
    try {
      const s = await openSession(run, payloadDb, supabaseDb)
      await dashboardLinksToConsole(s)
      const tampered = await tamperAndCheck(s)
      await dashboardShowsDrift(s)
      await useSupabaseValue(s, tampered)
      await pushToSupabase(s)
      await sidebarBoxSyncs(s)
      await listColumnPills(s)
      await retryFailedDelivery(s)
      await syncEventsOfDealer(s)
      await editorSeesNothing(s)
      const { timings } = s
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
