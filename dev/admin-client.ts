/**
 * `npm run client:admin`: the admin's client components where only a browser shows what goes wrong —
 * each step a regression test of a bug that reached the console or the sidebar box:
 *
 *  1. **Pull into Payload** from the sidebar box of a post open in German (`?locale=de`): the pull
 *     writes the default locale (English: the row's `title` is the English one), and the form is then
 *     refilled in German. Before, it was refilled with the English document marked unmodified, so the
 *     next autosave wrote English over every German field.
 *  2. A double click on **Check now** starts one run, not two (the button stays disabled while the
 *     request is on its way; the test holds the answer back to make the window wide).
 *  3. Polls of a check's run fail: after two 502s the console polls again and shows the result; when
 *     every poll is a 404 (the run lives in another app instance) it says it lost track of the run —
 *     not that it failed — and Check now works again. Before, the first failed poll marked the run
 *     failed for good.
 *  4. **Cancel check** says *Cancelling…* (disabled) and the progress line *cancelling* from the click
 *     until the run has stopped. Before, nothing changed until the run ended.
 *
 * Same run as the other browser tests (dev/browser.ts: the dev app, Chromium, reporting); also part of
 * `npm run test:browser`. The parts are in dev/client/, called here in order.
 */
import { Db, isMain, login, runBrowserTests, seconds, type BrowserTest } from './browser.js'
import {
  cancelShowsCancelling,
  checkNowTwiceStartsOneRun,
  failedPollsAreRetried,
} from './client/check-runs.js'
import type { ClientPage } from './client/client-page.js'
import { pullInGerman } from './client/pull-in-locale.js'

export const clientTest: BrowserTest = {
  label: 'CLIENT',
  prefix: 'client-admin',
  body: async ({ app, open, step }) => {
    const { url, stack } = app
    const supabaseDb = new Db(stack.supabaseDbUri)
    const timings: Record<string, number> = {}
    try {
      const { page } = await open()
      const t = Date.now()
      await login(page, url, app.admin)
      step(`logged in (first /admin compile included): ${seconds(Date.now() - t)}`)

      // Each part on its own: one failing still runs the others, and the end reports them all.
      const failed: string[] = []
      const part = async (name: string, body: () => Promise<void>) => {
        try {
          await body()
        } catch (error) {
          failed.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
          step(`FAILED ${name}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }

      const client: ClientPage = { url, page, step }
      await part('pull in German', async () => {
        timings.pull = await pullInGerman(client, supabaseDb)
      })
      await part('Check now double click', () => checkNowTwiceStartsOneRun(client))
      await part('failed polls', () => failedPollsAreRetried(client))
      await part('cancel shows cancelling', () => cancelShowsCancelling(client))

      if (failed.length)
        throw new Error(`${failed.length} part(s) failed:\n  ${failed.join('\n  ')}`)

      return `pull in German ${seconds(timings.pull)}; Check now double click: one run; failed polls retried, 404 lost track; cancel shows cancelling`
    } finally {
      await supabaseDb.close()
    }
  },
}

if (isMain(import.meta.url)) await runBrowserTests([clientTest], 'client-admin')
