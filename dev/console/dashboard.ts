/** The dashboard's sync health panel, before and after the console's check found drift. */
import { assert, ensure, login, seconds } from '../browser.js'
import { text, type ConsoleSession } from './session.js'

/** 1. Logs in; the dashboard panel says OK and links to the console, the navigation has its link. */
export async function dashboardLinksToConsole(s: ConsoleSession): Promise<void> {
  const { page, panel, step, timings } = s
  const t = Date.now()
  await login(page, s.url, s.app.admin)
  timings.firstAdminAndLogin = Date.now() - t
  step(`logged in (first /admin compile included): ${seconds(timings.firstAdminAndLogin)}`)
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
}

/**
 * 4. The dashboard panel tells the truth: the last check's drift with its age, although the counts
 * are equal. Then back through the nav link: the console shows the same check's lists again, the
 * dealer's table open.
 */
export async function dashboardShowsDrift(s: ConsoleSession): Promise<void> {
  const { page, panel, row, compare, step } = s
  await page.goto(`${s.url}/admin`, { timeout: 60_000 })
  await panel.waitFor()
  const checkCell = await text(panel.locator('tr[data-collection="dealers"] td').nth(4))
  const cells = (await panel.locator('tr[data-collection="dealers"] td').allInnerTexts()).map((c) =>
    c.trim(),
  )
  const panelState = await panel.getAttribute('data-state')
  assert(
    panelState === 'attention' &&
      /1 changed row · \d+ (ms|s) ago/.test(checkCell) &&
      parseInt(cells[2]!, 10) === parseInt(cells[3]!, 10),
    () => `the panel says ${panelState}, last check "${checkCell}", cells ${JSON.stringify(cells)}`,
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
}
