import { seconds } from '../browser.js'
import { waitForSupabaseRow } from './dealer-rows.js'
import type { SmokePage } from './form-requests.js'

export interface CreatedDealer {
  createdName: string
  slug: string
  domain: string
  createMs: number
}

/**
 * 3. Creates a dealer named after `stamp`: a website domain given as a URL is refused with the field's
 * message (the 400 it answers is expected in the browser's console), the bare host name saves, and
 * the Supabase row has the slug made from the name.
 */
export async function createDealer(
  { app, page, requests, step, shot }: SmokePage,
  expectedErrors: RegExp[],
  stamp: string,
): Promise<CreatedDealer> {
  const t = Date.now()
  await page.goto(`${app.url}/admin/collections/dealers/create`, { timeout: 120_000 })
  await page.locator('#field-name').waitFor({ timeout: 120_000 })
  await requests.idle('the create view')
  const createdName = `Smoke Test Motors ${stamp}`
  const slug = `smoke-test-motors-${stamp.replace(/:/g, '-')}`
  const domain = `smoke-${stamp.replace(/:/g, '')}.example.com`
  await page.locator('#field-name').fill(createdName)
  await page.locator('#field-domain').fill(`https://${domain}/`)
  expectedErrors.push(/status of 400/)
  await page.click('#action-save')
  const domainError = page
    .locator('.field-type', { has: page.locator('#field-domain') })
    .locator('.field-error')
  await domainError.waitFor({ state: 'attached' })
  const domainMessage = (await domainError.textContent())?.trim() ?? ''
  if (!/host name only, without "https:\/\/"/.test(domainMessage))
    throw new Error(`the domain's error says ${JSON.stringify(domainMessage)}`)
  await page.screenshot({ path: shot('dealer-create-error'), fullPage: true })
  step(`a bad domain is refused: "${domainMessage}"`)
  await page.locator('#field-domain').fill(domain)
  await requests.idle('the create form')
  await Promise.all([
    page.waitForURL(/\/admin\/collections\/dealers\/[0-9a-f-]{36}/, { timeout: 30_000 }),
    page.click('#action-save'),
  ])
  const created = await waitForSupabaseRow(
    app.stack,
    { name: createdName },
    (row) => row.slug === slug && row.domain === domain,
  )
  await page.locator('#field-slug').waitFor()
  const slugShown = await page.locator('#field-slug').inputValue()
  if (slugShown !== slug)
    throw new Error(
      `the created dealer's slug field shows ${JSON.stringify(slugShown)}, expected ${slug}`,
    )
  await requests.idle('the created dealer')
  await page.screenshot({ path: shot('dealer-created'), fullPage: true })
  const createMs = Date.now() - t
  step(
    `created "${createdName}": slug ${slug} (made from the name), in Supabase ${seconds(created.ms)} after the redirect (${seconds(createMs)} in all)`,
  )
  return { createdName, slug, domain, createMs }
}
