import { isDeepStrictEqual } from 'node:util'
import { assert, seconds } from '../browser.js'
import { hydrated, shownJson, snap, text, type ConsoleSession } from './session.js'

/** What step 2 wrote into the dealer's Supabase row. */
export interface Tampered {
  name: string
  utm: { source: string; medium: string; campaign: string }
}

/**
 * 2. Tampers the dealer's row in Supabase (the name, a key of `api_config`, and `created_at`, a column
 * Payload owns). 3. Opens the console from the panel; Check now lists the changed row; its side-by-side
 * table shows the differing fields with both values; the header's health shows the drift without a
 * reload; the history charts render.
 */
export async function tamperAndCheck(s: ConsoleSession): Promise<Tampered> {
  const { page, panel, drift, row, compare, line, side, dealer, step, shot, timings } = s
  // 2. Tamper the dealer's row in Supabase.
  const tampered = {
    name: 'Tampered in Supabase',
    utm: { source: 'ads', medium: 'cpc', campaign: 'spring' },
  }
  await s.supabaseDb.query(
    `update public.dealers set name = $2, created_at = '2001-01-01T00:00:00Z', api_config = jsonb_set(api_config, '{utm_config}', $3::jsonb) where id = $1`,
    [dealer.id, tampered.name, JSON.stringify(tampered.utm)],
  )
  step(`tampered ${dealer.id} in Supabase: name, api_config.utm_config, created_at`)

  // 3. The console from the panel's link; Check now; the side-by-side table.
  let t = Date.now()
  await Promise.all([
    page.waitForURL(/\/admin\/supabase-sync$/, { timeout: 120_000 }),
    panel.getByRole('link', { name: 'Open the sync console →' }).click(),
  ])
  await drift.waitFor({ timeout: 120_000 })
  await hydrated(page)
  timings.console = Date.now() - t
  step(`console open in ${seconds(timings.console)}`)

  t = Date.now()
  await s.checkNow()
  timings.check = Date.now() - t
  await row.waitFor()
  const differing = await text(row.locator('td').nth(1))
  for (const f of ['name', 'api_config.utm_config', 'created_at'])
    assert(differing.includes(f), () => `the changed row lists "${differing}", not ${f}`)
  await row.getByRole('button', { name: 'Compare', exact: true }).click()
  await compare.waitFor()
  assert(
    (await text(side('name', 'payload'))) === dealer.name &&
      (await text(side('name', 'supabase'))) === tampered.name,
    () => 'the name line does not show both values',
  )
  const utmPayload = await shownJson(side('api_config.utm_config', 'payload'))
  const utmSupabase = await shownJson(side('api_config.utm_config', 'supabase'))
  assert(
    isDeepStrictEqual(utmPayload, dealer.utm_config) &&
      isDeepStrictEqual(utmSupabase, tampered.utm),
    () =>
      `the api_config › utm_config line shows ${JSON.stringify(utmPayload)} / ${JSON.stringify(utmSupabase)}`,
  )
  assert(
    (await side('api_config.utm_config', 'supabase').innerText()).includes('\n  "campaign"'),
    () => 'the JSON is not pretty-printed',
  )
  assert(
    (await text(line('api_config.utm_config').locator('td').first())) === 'api_config › utm_config',
    () => 'the api_config key is not on its own line',
  )
  const readOnly = await text(line('created_at').locator('[data-read-only]'))
  assert(
    /Read-only/.test(readOnly) &&
      (await line('created_at').getByRole('button', { name: 'Use Supabase value' }).count()) === 0,
    () => `created_at should say why it cannot be pulled, says ${readOnly}`,
  )
  // The header re-rendered without a reload: the health says what the check found.
  const health = page.locator('section.supabase-sync-console__health[data-state="attention"]')
  await health
    .locator('tr[data-collection="dealers"] td', { hasText: /1 changed row · \d+ (ms|s) ago/ })
    .waitFor()
  // The history charts render from the rollups (the deliveries of this run are in them).
  const charts = await page
    .locator('section[data-history="1h"] figure[data-chart] svg[role="img"]')
    .count()
  assert(charts === 4, () => `expected 4 history charts, found ${charts}`)
  await page.screenshot({ path: shot('console'), fullPage: true, ...snap })
  step(
    `Check now (background run, polled) → changed row with ${differing} in ${seconds(timings.check)}, the header's health updated without a reload; the table shows both values, created_at: "${readOnly.slice(0, 60)}…"`,
  )
  return tampered
}
