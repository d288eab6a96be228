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
 * `npm run test:browser`.
 */
import type { Request } from 'playwright-core'
import {
  assert,
  confirmModal,
  Db,
  isMain,
  login,
  responseTo,
  runBrowserTests,
  seconds,
  syncTimeoutMs,
  until,
  type BrowserTest,
} from './browser.js'

interface PostDoc {
  id: string
  title?: string | null
  slug?: string | null
  excerpt?: string | null
}

export const clientTest: BrowserTest = {
  label: 'CLIENT',
  prefix: 'client-admin',
  body: async ({ app, open, step }) => {
    const { url, stack } = app
    const supabaseDb = new Db(stack.supabaseDbUri)
    const timings: Record<string, number> = {}
    try {
      const { page } = await open()
      let t = Date.now()
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

      /** The console, hydrated (a click on the server's HTML before that does nothing); its dealers drift section. */
      const openConsole = async () => {
        await page.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
        const drift = page.locator('section.supabase-sync-drift[data-collection="dealers"]')
        await drift.waitFor({ timeout: 120_000 })
        await page.locator('.supabase-sync-refresh[data-live]').waitFor({ timeout: 120_000 })
        return drift
      }

      // 1. A post in English and German, published; Supabase's row holds the English title.
      await part('pull in German', async () => {
        const api = async <T>(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown) => {
          const res = await page.request.fetch(`${url}/api${path}`, { method, data })
          assert(res.ok(), () => `${method} ${path} answered ${res.status()}`)
          return (await res.json()) as T
        }
        const slug = `pull-locale-${Date.now().toString(36)}`
        const en = { title: 'Hello in English', excerpt: 'An English excerpt' }
        const de = { title: 'Hallo auf Deutsch', excerpt: 'Ein deutscher Auszug' }
        const { doc: created } = await api<{ doc: PostDoc }>('POST', '/posts?locale=en', {
          ...en,
          slug,
          _status: 'published',
        })
        await api('PATCH', `/posts/${created.id}?locale=de`, { ...de, _status: 'published' })
        const state = async () =>
          (
            await api<Array<{ state: string }>>(
              'GET',
              `/supabase-sync/documents?collection=posts&id=${created.id}`,
            )
          )[0]?.state
        await until(
          async () => ((await state()) === 'in-sync' ? true : undefined),
          syncTimeoutMs,
          () => 'the post never got to Supabase',
          250,
        )
        const tampered = { title: 'Changed in Supabase', slug: `${slug}-supabase` }
        await supabaseDb.query('update public.posts set title = $2, slug = $3 where id = $1', [
          created.id,
          tampered.title,
          tampered.slug,
        ])

        // The German edit view; the box says Differs.
        t = Date.now()
        await page.goto(`${url}/admin/collections/posts/${created.id}?locale=de`, {
          timeout: 120_000,
        })
        const box = page.locator('.supabase-sync-document')
        await box.and(page.locator('[data-state="differs"]')).waitFor({ timeout: 120_000 })
        const title = page.locator('#field-title')
        assert(
          (await title.inputValue()) === de.title,
          () => 'the German form does not show the German title',
        )
        step(`edit view of the post in German, the box says Differs: ${seconds(Date.now() - t)}`)

        // Pull; wait for the whole sequence: pull, form reload, the box's state read again.
        t = Date.now()
        const pulled = responseTo(page, 'POST', '/api/supabase-sync/pull')
        const reloaded = responseTo(page, 'GET', new RegExp(`/api/posts/${created.id}\\?`))
        await box.getByRole('button', { name: 'Pull into Payload', exact: true }).click()
        await confirmModal(page, 'Pull into Payload')
        const pull = (await (await pulled).json()) as { pulled: Array<{ fields: string[] }> }
        assert(pull.pulled.length === 1, () => `the pull pulled nothing: ${JSON.stringify(pull)}`)
        const reload = await reloaded
        await responseTo(page, 'GET', '/api/supabase-sync/documents')
        // The form took the reloaded document (the slug, not localized, is Supabase's now) ...
        await until(
          async () =>
            (await page.locator('#field-slug').inputValue()) === tampered.slug ? true : undefined,
          30_000,
          () => 'the form was not refilled after the pull',
        )
        // ... in German: the German title stays, not the English one the pull wrote.
        const shown = await title.inputValue()
        assert(
          shown === de.title,
          () =>
            `after the pull the German form shows the title "${shown}" (reloaded with ${reload.url()}), not "${de.title}"`,
        )
        // The pull wrote the default locale (what the row's title is), and left German alone.
        const inEn = await api<PostDoc>('GET', `/posts/${created.id}?locale=en&depth=0`)
        const inDe = await api<PostDoc>(
          'GET',
          `/posts/${created.id}?locale=de&fallback-locale=null&depth=0`,
        )
        assert(
          inEn.title === tampered.title && inDe.title === de.title && inDe.excerpt === de.excerpt,
          () => `after the pull: en ${JSON.stringify(inEn)}, de ${JSON.stringify(inDe)}`,
        )
        timings.pull = Date.now() - t
        step(
          `Pull into Payload on ?locale=de: English (default locale) pulled, the form refilled in German (${reload.url().replace(url, '')}): ${seconds(timings.pull)}`,
        )
      })

      // 2. A double click on Check now: one run.
      await part('Check now double click', async () => {
        const drift = await openConsole()
        const starts: Request[] = []
        const onRequest = (req: Request) => {
          if (req.method() === 'POST' && req.url().endsWith('/api/supabase-sync/runs'))
            starts.push(req)
        }
        page.on('request', onRequest)
        // The answer held back for a moment: a second click lands while the first request is open.
        await page.route('**/api/supabase-sync/runs', async (route) => {
          await new Promise((resolve) => setTimeout(resolve, 700))
          await route.continue()
        })
        try {
          const started = responseTo(page, 'POST', '/api/supabase-sync/runs')
          await drift.getByRole('button', { name: 'Check now', exact: true }).dblclick()
          const run = (await (await started).json()) as { id: string }
          await drift.locator(`.supabase-sync-check-summary[data-run="${run.id}"]`).waitFor()
          assert(
            starts.length === 1,
            () => `a double click on Check now sent ${starts.length} POST …/runs`,
          )
        } finally {
          page.off('request', onRequest)
          await page.unroute('**/api/supabase-sync/runs')
        }
        step('double click on Check now: one POST …/runs, one run')
      })

      // 3. Polls of the run fail: twice a 502 (a proxy during a deploy), the check still ends and shows;
      // then every poll a 404 (the run lives in another app instance): "lost track", not "failed".
      await part('failed polls', async () => {
        const drift = await openConsole()
        const polls = '**/api/supabase-sync/runs/*'
        let badGateways = 2
        await page.route(polls, async (route) => {
          if (route.request().method() !== 'GET' || badGateways <= 0) return route.fallback()
          badGateways--
          await route.fulfill({ status: 502, contentType: 'text/html', body: 'Bad Gateway' })
        })
        try {
          const started = responseTo(page, 'POST', '/api/supabase-sync/runs')
          await drift.getByRole('button', { name: 'Check now', exact: true }).click()
          const run = (await (await started).json()) as { id: string }
          await drift
            .locator(`.supabase-sync-check-summary[data-run="${run.id}"]`)
            .waitFor({ timeout: 60_000 })
          assert(badGateways === 0, () => 'the polls were not answered 502 twice')
        } finally {
          await page.unroute(polls)
        }
        step('two polls answered 502: polled again, the check ended and shows its result')

        await page.route(polls, (route) =>
          route.request().method() === 'GET'
            ? route.fulfill({
                status: 404,
                contentType: 'application/json',
                body: JSON.stringify({ errors: [{ message: 'Not Found: no such run' }] }),
              })
            : route.fallback(),
        )
        try {
          const started = responseTo(page, 'POST', '/api/supabase-sync/runs')
          await drift.getByRole('button', { name: 'Check now', exact: true }).click()
          const run = (await (await started).json()) as { id: string }
          const lost = drift.locator('.supabase-sync-check-lost')
          await lost.waitFor({ timeout: 60_000 })
          const said = (await lost.innerText()).trim()
          assert(/^Lost track of the run/.test(said), () => `after a 404 the panel says "${said}"`)
          // No progress of a run nobody follows; Check now can be clicked again.
          assert(
            (await drift.locator('.supabase-sync-progress').count()) === 0 &&
              (await drift.getByRole('button', { name: 'Check now', exact: true }).isEnabled()),
            () => 'after losing track, the panel still shows the run as running',
          )
          // The run itself went on: it ends on the server.
          await until(
            async () => {
              const res = await page.request.get(`${url}/api/supabase-sync/runs/${run.id}`)
              const state = (await res.json()) as { status?: string }
              return state.status && state.status !== 'running' ? state.status : undefined
            },
            60_000,
            () => 'the run never ended on the server',
            250,
          )
        } finally {
          await page.unroute(polls)
        }
        step(
          'every poll answered 404: "Lost track of the run …", not failed; the run ended on the server',
        )
      })

      // 4. Cancel check: from the click on, the button says Cancelling… (disabled) and the progress
      // line says cancelling, until the run has stopped. Polls and the cancel's answer are held back,
      // so that the run still shows as running when the click lands (this small table's check would
      // end first otherwise). Before, nothing changed on the screen until the run ended.
      await part('cancel shows cancelling', async () => {
        const drift = await openConsole()
        const runs = '**/api/supabase-sync/runs/**'
        let open!: () => void
        const held = new Promise<void>((resolve) => (open = resolve))
        await page.route(runs, async (route) => {
          await held
          await route.fallback()
        })
        try {
          await drift.getByRole('button', { name: 'Check now', exact: true }).click()
          const cancel = drift.getByRole('button', { name: 'Cancel check', exact: true })
          await cancel.waitFor()
          await cancel.click()
          const cancelling = drift.getByRole('button', { name: 'Cancelling…', exact: true })
          await cancelling.waitFor()
          const line = await drift.locator('.supabase-sync-progress').innerText()
          assert(
            (await cancelling.isDisabled()) &&
              /cancelling, stops after the current page/.test(line) &&
              (await drift.locator('.supabase-sync-progress[data-cancelling]').count()) === 1,
            () => `after Cancel check the panel says "${line}"`,
          )
        } finally {
          open()
          await page.unroute(runs)
        }
        // The polls go on: the run ends (cancelled, or done if it finished first) and the panel says so.
        await drift
          .locator('.supabase-sync-progress')
          .waitFor({ state: 'detached', timeout: 60_000 })
        step('Cancel check: Cancelling… (disabled) and "cancelling" at once, until the run ended')
      })

      if (failed.length)
        throw new Error(`${failed.length} part(s) failed:\n  ${failed.join('\n  ')}`)

      return `pull in German ${seconds(timings.pull)}; Check now double click: one run; failed polls retried, 404 lost track; cancel shows cancelling`
    } finally {
      await supabaseDb.close()
    }
  },
}

if (isMain(import.meta.url)) await runBrowserTests([clientTest], 'client-admin')
