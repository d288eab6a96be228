/** The plugin's parts in Payload's own views of the dealer: the edit view's sidebar box, the list view's column. */
import type { Request } from 'playwright-core'
import { assert, confirmModal, responseTo, seconds, syncTimeoutMs, until } from '../browser.js'
import { snap, text, type ConsoleSession } from './session.js'

/** 7. The sidebar box of the tampered dealer: Differs → Compare shows the table → Sync now → In sync. */
export async function sidebarBoxSyncs(s: ConsoleSession): Promise<void> {
  const { page, box, dealer, step, shot, timings } = s
  await s.supabaseDb.query(
    `update public.dealers set name = 'Tampered for the box' where id = $1`,
    [dealer.id],
  )
  const t = Date.now()
  await page.goto(`${s.url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
  await page.locator('.supabase-sync-document[data-state="differs"]').waitFor({ timeout: 120_000 })
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
}

/** 8. The list view's Supabase column: a pill per row, from one documents request for the page. */
export async function listColumnPills(s: ConsoleSession): Promise<void> {
  const { page, dealer, step, shot, timings } = s
  const documentsRequests: string[] = []
  const onDocuments = (req: Request) => {
    if (req.url().includes('/api/supabase-sync/documents')) documentsRequests.push(req.url())
  }
  page.on('request', onDocuments)
  const t = Date.now()
  await page.goto(`${s.url}/admin/collections/dealers`, { timeout: 120_000 })
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
}
