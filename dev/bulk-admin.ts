/**
 * `npm run bulk:admin`: the console's bulk actions on the drift lists, end to end in a browser —
 * **Push all** writes every missing and changed row from Payload (one run of the ids, then the check
 * runs again by itself), **Delete all extra** deletes the rows without documents. Four dealers are
 * made through Payload's REST API; in Supabase two rows are deleted, one changed, and one row without a
 * document inserted. (Lists longer than one request takes are pushed in parts — the parts and their
 * sum are unit-tested in test/admin-present.test.ts, the endpoint's limit in test/admin-endpoints.)
 *
 * Same run as the other browser tests (dev/browser.ts: the dev app, Chromium, reporting); also part of
 * `npm run test:browser`.
 */
import { randomUUID } from 'node:crypto'
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

export const bulkTest: BrowserTest = {
  label: 'BULK',
  prefix: 'bulk-admin',
  body: async ({ app, open, step }) => {
    const { url, stack } = app
    const supabaseDb = new Db(stack.supabaseDbUri)
    try {
      const { page } = await open()
      let t = Date.now()
      await login(page, url, app.admin)
      step(`logged in (first /admin compile included): ${seconds(Date.now() - t)}`)

      const run = Date.now().toString(36)
      const dealers: Array<{ id: string; name: string }> = []
      for (let i = 0; i < 4; i++) {
        const name = `Bulk ${run} ${i}`
        const res = await page.request.post(`${url}/api/dealers`, {
          data: { name, slug: `bulk-${run}-${i}`, platforms: [], homenet_config: {} },
        })
        assert(res.ok(), () => `POST /api/dealers answered ${res.status()}: ${res.statusText()}`)
        dealers.push({ id: String(((await res.json()) as { doc: { id: string } }).doc.id), name })
      }
      const names = async () =>
        new Map(
          (
            await supabaseDb.query<{ id: string; name: string }>(
              'select id::text, name from public.dealers where id = any($1::uuid[])',
              [dealers.map((d) => d.id)],
            )
          ).map((r) => [r.id, r.name]),
        )
      const allSynced = async () => {
        const now = await names()
        return dealers.every((d) => now.get(d.id) === d.name) ? true : undefined
      }
      await until(allSynced, syncTimeoutMs, () => 'the four dealers never reached Supabase', 250)

      const [gone1, gone2, changed] = dealers
      const extra = randomUUID()
      await supabaseDb.query('delete from public.dealers where id = any($1::uuid[])', [
        [gone1.id, gone2.id],
      ])
      await supabaseDb.query('update public.dealers set name = $2 where id = $1', [
        changed.id,
        'Changed in Supabase',
      ])
      await supabaseDb.query(
        `insert into public.dealers (id, name, slug, created_at) values ($1, 'No document', $2, now())`,
        [extra, `bulk-extra-${run}`],
      )
      step('in Supabase: two rows deleted, one changed, one row without a document inserted')

      await page.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
      const drift = page.locator('section.supabase-sync-drift[data-collection="dealers"]')
      await drift.waitFor({ timeout: 120_000 })
      await page.locator('.supabase-sync-refresh[data-live]').waitFor({ timeout: 120_000 })
      const checked = responseTo(page, 'POST', '/api/supabase-sync/runs')
      await drift.getByRole('button', { name: 'Check now', exact: true }).click()
      const check = (await (await checked).json()) as { id: string }
      await drift.locator(`.supabase-sync-check-summary[data-run="${check.id}"]`).waitFor()

      // Push all: the missing and changed rows, from the documents.
      t = Date.now()
      const pushed = responseTo(page, 'POST', '/api/supabase-sync/runs')
      await drift.getByRole('button', { name: 'Push all', exact: true }).click()
      await confirmModal(page, 'Push all')
      const push = (await (await pushed).json()) as { kind?: string }
      assert(push.kind === 'sync', () => `Push all started a ${String(push.kind)} run`)
      await until(allSynced, syncTimeoutMs, () => 'Push all did not restore the rows', 250)
      // The check runs again by itself when the push ends: the changed row is no longer listed.
      await until(
        async () =>
          (await drift.locator(`tr[data-id="${changed.id}"]`).count()) ? undefined : true,
        syncTimeoutMs,
        () => 'the changed row is still listed after Push all',
        250,
      )
      step(`Push all: the two missing rows and the changed one written, ${seconds(Date.now() - t)}`)

      // Delete all extra: the row without a document goes.
      t = Date.now()
      await drift.getByRole('tab', { name: /^Extra rows/ }).click()
      await drift.locator(`tr[data-id="${extra}"]`).waitFor()
      await drift.getByRole('button', { name: 'Delete all extra', exact: true }).click()
      await confirmModal(page, 'Delete all extra')
      await until(
        async () =>
          (await supabaseDb.query('select 1 from public.dealers where id = $1', [extra])).length
            ? undefined
            : true,
        syncTimeoutMs,
        () => 'Delete all extra left the row without a document',
        250,
      )
      assert(await allSynced(), () => 'Delete all extra touched rows of documents')
      step(`Delete all extra: the row without a document deleted, ${seconds(Date.now() - t)}`)
      return 'Push all wrote missing and changed rows; Delete all extra deleted the extra row'
    } finally {
      await supabaseDb.close()
    }
  },
}

if (isMain(import.meta.url)) await runBrowserTests([bulkTest], 'bulk-admin')
