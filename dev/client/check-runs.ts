/** The console's Check now and the run it starts, where the browser's side went wrong before. */
import type { Request } from 'playwright-core'
import { assert, responseTo, until } from '../browser.js'
import { openConsole, type ClientPage } from './client-page.js'

/**
 * 2. A double click on Check now starts one run, not two. The answer is held back for a moment, so the
 * second click lands while the first request is open.
 */
export async function checkNowTwiceStartsOneRun(client: ClientPage): Promise<void> {
  const { page, step } = client
  const drift = await openConsole(client)
  const starts: Request[] = []
  const onRequest = (req: Request) => {
    if (req.method() === 'POST' && req.url().endsWith('/api/supabase-sync/runs')) starts.push(req)
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
}

/**
 * 3. Polls of the run fail: twice a 502 (a proxy during a deploy), the check still ends and shows;
 * then every poll a 404 (the run lives in another app instance): "lost track", not "failed".
 */
export async function failedPollsAreRetried(client: ClientPage): Promise<void> {
  const { url, page, step } = client
  const drift = await openConsole(client)
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
}

/**
 * 4. Cancel check: from the click on, the button says Cancelling… (disabled) and the progress line
 * says cancelling, until the run has stopped. Polls and the cancel's answer are held back, so that the
 * run still shows as running when the click lands (this small table's check would end first otherwise).
 */
export async function cancelShowsCancelling(client: ClientPage): Promise<void> {
  const { page, step } = client
  const drift = await openConsole(client)
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
  await drift.locator('.supabase-sync-progress').waitFor({ state: 'detached', timeout: 60_000 })
  step('Cancel check: Cancelling… (disabled) and "cancelling" at once, until the run ended')
}
