import { seconds } from '../browser.js'
import { queryOne } from './dealer-rows.js'
import type { SmokePage } from './form-requests.js'

/**
 * 1. The plugin's sync health panel on the dashboard (beforeDashboard, a server component): titled,
 * OK, the dealers' counts as both databases have them, a link to the Sync events. Resolves with the time it took.
 */
export async function checkDashboard({ app, page, step, shot }: SmokePage): Promise<number> {
  const { stack } = app
  const t = Date.now()
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
    (await queryOne<{ n: string }>(stack.databaseUri, 'select count(*) as n from dealers', []))?.n,
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
  return dashboardMs
}
