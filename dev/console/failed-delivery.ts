/** A delivery that fails for good, its cause shown, its Retry, and the Sync events that record it all. */
import { assert, confirmModal, responseTo, seconds, syncTimeoutMs } from '../browser.js'
import { hydrated, text, type ConsoleSession } from './session.js'

/**
 * 9. A failed delivery: Supabase's table gets a check constraint the new name breaks (PostgreSQL
 * answers 23514, PostgREST 400: it fails for good); the dealer is saved; the box and the console show
 * the cause; the constraint is dropped (the cause fixed); Retry delivers it.
 */
export async function retryFailedDelivery(s: ConsoleSession): Promise<void> {
  const { page, box, dealer, step, shot, timings } = s
  await s.supabaseDb.query(
    `alter table public.dealers add constraint dealers_name_check check (name not like '%(console %') not valid`,
  )
  s.expectedErrors.push(/status of 400/)
  await page.goto(`${s.url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
  await page.locator('.supabase-sync-document[data-state="in-sync"]').waitFor({ timeout: 60_000 })
  const newName = `${dealer.name} (console ${new Date().toISOString().slice(11, 19)})`
  await page.locator('#field-name').fill(newName)
  const saved = page.waitForResponse(
    (res) =>
      res.url().includes(`/api/dealers/${dealer.id}`) &&
      ['PATCH', 'POST'].includes(res.request().method()),
  )
  await page.click('#action-save')
  assert((await saved).ok(), () => 'the save failed')
  await page
    .locator('.supabase-sync-document[data-state="failed"]')
    .waitFor({ timeout: syncTimeoutMs })
  const failedBox = await text(box)
  assert(/check constraint/.test(failedBox), () => `the box says ${failedBox}`)
  step(`saved "${newName}": the delivery failed; the box says "${failedBox.slice(0, 120)}"`)

  await page.goto(`${s.url}/admin/supabase-sync`, { timeout: 120_000 })
  const failure = page.locator(`section.supabase-sync-console__failures tr[data-id="${dealer.id}"]`)
  await failure.waitFor()
  await hydrated(page)
  const failureText = await text(failure)
  assert(
    /check constraint "dealers_name_check"/.test(failureText) &&
      /HTTP 400/.test(failureText) &&
      /code 23514/.test(failureText),
    () => `the failed delivery says ${failureText}`,
  )
  await page.screenshot({ path: shot('failed-delivery'), fullPage: true, caret: 'initial' })
  await s.supabaseDb.query('alter table public.dealers drop constraint dealers_name_check')
  const t = Date.now()
  const retried = responseTo(page, 'POST', '/api/supabase-sync/retry')
  await failure.getByRole('button', { name: 'Retry', exact: true }).click()
  await confirmModal(page, 'Retry')
  const retryRes = await retried
  timings.retryAnswered = Date.now() - t
  const retryBody = (await retryRes.json()) as { retried: string[]; upserted: number }
  assert(
    retryRes.ok() && retryBody.retried.includes(dealer.id) && retryBody.upserted === 1,
    () => `retry answered ${JSON.stringify(retryBody)}`,
  )
  await failure.waitFor({ state: 'detached' })
  assert(
    (await s.supabaseRow()).name === newName,
    () => 'Supabase does not have the new name after Retry',
  )
  assert((await s.stateOfDealer()).state === 'in-sync', () => 'not in sync after Retry')
  timings.retry = Date.now() - t
  step(
    `failed delivery shown with its cause ("${failureText.slice(0, 90)}…"); constraint dropped, Retry delivered it (answered in ${seconds(timings.retryAnswered)}, row gone from the list ${seconds(timings.retry)})`,
  )
}

/** 10. The console's Sync events, filtered by the document: the pull, the push and the retry, with the user. */
export async function syncEventsOfDealer(s: ConsoleSession): Promise<void> {
  const { page, dealer, app, step } = s
  const events = page.locator('section.supabase-sync-console__events')
  await events.getByLabel('Filter by document id').fill(dealer.id)
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('events_document') === dealer.id),
    events.getByRole('button', { name: 'Filter', exact: true }).click(),
  ])
  for (const action of ['pull', 'sync', 'retry'])
    await events
      .locator(`tbody tr[data-action="${action}"]`, { hasText: app.admin.email })
      .first()
      .waitFor()
  const listed = await events.locator('tbody tr').count()
  const allLink = await events.getByRole('link', { name: 'All Sync events →' }).getAttribute('href')
  assert(
    allLink?.endsWith('/admin/collections/supabase-sync-events'),
    () => `All Sync events → ${allLink}`,
  )
  step(
    `Sync events filtered by the document: ${listed} events, pull / sync / retry by ${app.admin.email}`,
  )
}
