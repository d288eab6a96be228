import type { Locator, Page } from 'playwright-core'
import type { BrowserRun } from '../browser.js'

/** What each part of the client test drives: the admin's logged-in page and the run's step log. */
export interface ClientPage {
  url: string
  page: Page
  step: BrowserRun['step']
}

/** The console, hydrated (a click on the server's HTML before that does nothing); its dealers drift section. */
export async function openConsole({ url, page }: ClientPage): Promise<Locator> {
  await page.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
  const drift = page.locator('section.supabase-sync-drift[data-collection="dealers"]')
  await drift.waitFor({ timeout: 120_000 })
  await page.locator('.supabase-sync-refresh[data-live]').waitFor({ timeout: 120_000 })
  return drift
}
