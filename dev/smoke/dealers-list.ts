import { seconds } from '../browser.js'
import type { CreatedDealer } from './create-dealer.js'
import type { SmokePage } from './form-requests.js'

/**
 * 4. The list view: name, slug, domain and platforms (the collection's defaultColumns), with labels;
 * the edited dealer (`editedName`) and the created one as they were saved. Resolves with the time it took.
 */
export async function checkDealersList(
  { app, page, requests, step, shot }: SmokePage,
  editedName: string,
  { createdName, slug, domain }: CreatedDealer,
): Promise<number> {
  const t = Date.now()
  await page.goto(`${app.url}/admin/collections/dealers`, { timeout: 120_000 })
  const editedRow = page.locator('.table tbody tr', { hasText: editedName })
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
  return listMs
}
