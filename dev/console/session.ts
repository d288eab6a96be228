/**
 * What the console test's steps share: the two databases, the seeded dealer (northside-motors) and
 * its state on each side, the admin's page with the locators several steps read, and Check now.
 */
import type { Locator, Page, Request } from 'playwright-core'
import { assert, Db, responseTo, type BrowserRun } from '../browser.js'
import type { DevApp } from '../devApp.js'

export const text = async (locator: Locator) =>
  (await locator.innerText()).replace(/\s+/g, ' ').trim()

/** The JSON a `<pre>` of the side-by-side table shows. */
export const shownJson = async (locator: Locator) =>
  JSON.parse(await locator.innerText()) as unknown

/** Screenshots for the README: no caret, no Next.js dev indicator. */
export const snap = {
  caret: 'initial',
  style: 'nextjs-portal { display: none !important; }',
} as const

/**
 * The console has hydrated (its auto-refresh runs, `data-live`): a button clicked on the server's HTML
 * before that does nothing.
 */
export const hydrated = (page: Page) =>
  page.locator('.supabase-sync-refresh[data-live]').waitFor({ timeout: 120_000 })

export type DealerRow = {
  name: string
  slug: string
  created_at: string
  api_config: { utm_config?: unknown } & Record<string, unknown>
}

export interface ConsoleSession {
  app: DevApp
  url: string
  page: Page
  /** Console errors that are part of the test. */
  expectedErrors: RegExp[]
  open: BrowserRun['open']
  step: BrowserRun['step']
  shot: BrowserRun['shot']
  /** Each step's time, for the summary line. */
  timings: Record<string, number>
  supabaseDb: Db
  dealer: { id: string; name: string; utm_config: unknown }
  supabaseRow(): Promise<DealerRow>
  payloadDoc(): Promise<{ name: string; utm_config: unknown }>
  /** The plugin's state of the dealer, through the documents endpoint with the admin's session. */
  stateOfDealer(): Promise<{ state: string; fields?: Array<{ field: string }> }>
  /** The dashboard's sync health panel. */
  panel: Locator
  /** The console's dealers drift section, its row of the dealer, and that row's side-by-side table. */
  drift: Locator
  row: Locator
  compare: Locator
  line(field: string): Locator
  side(field: string, which: 'payload' | 'supabase'): Locator
  /** The dealer's Supabase box in the edit view's sidebar. */
  box: Locator
  /** Clicks Check now and waits for its run's summary (polled); resolves with the run's id. */
  checkNow(): Promise<string>
}

/** Reads the seeded dealer (it must be in Supabase as in Payload), then opens the admin's page. */
export async function openSession(
  { app, open, step, shot }: BrowserRun,
  payloadDb: Db,
  supabaseDb: Db,
): Promise<ConsoleSession> {
  const { url } = app
  const [dealer] = await payloadDb.query<{ id: string; name: string; utm_config: unknown }>(
    "select id, name, utm_config from dealers where slug = 'northside-motors'",
  )
  assert(dealer, () => 'the seeded dealer northside-motors is missing')
  const supabaseRow = async () =>
    (
      await supabaseDb.query<DealerRow>(
        'select name, slug, created_at::text, api_config from public.dealers where id = $1',
        [dealer.id],
      )
    )[0]
  const payloadDoc = async () =>
    (
      await payloadDb.query<{ name: string; utm_config: unknown }>(
        'select name, utm_config from dealers where id = $1',
        [dealer.id],
      )
    )[0]
  assert((await supabaseRow())?.name === dealer.name, () => 'the dealer is not in Supabase')

  const { page, expect: expectedErrors } = await open()
  const stateOfDealer = async () => {
    const get = () =>
      page.request.get(`${url}/api/supabase-sync/documents?collection=dealers&id=${dealer.id}`)
    // A keep-alive connection the server closes just then: once more, on a new one.
    const res = await get().catch((error: Error) => {
      if (/ECONNRESET|socket hang up/.test(error.message)) return get()
      throw error
    })
    assert(res.ok(), () => `GET documents answered ${res.status()}`)
    return ((await res.json()) as Array<{ state: string; fields?: Array<{ field: string }> }>)[0]
  }

  const drift = page.locator('section.supabase-sync-drift[data-collection="dealers"]')
  const compare = drift.locator(`tr[data-compare="${dealer.id}"] table`)
  const line = (field: string) => compare.locator(`tr[data-field="${field}"]`)
  const checkNow = async (): Promise<string> => {
    const polled: string[] = []
    const onRequest = (req: Request) => {
      if (req.method() === 'GET' && /\/api\/supabase-sync\/runs\/[0-9a-f-]{36}$/.test(req.url()))
        polled.push(req.url())
    }
    page.on('request', onRequest)
    try {
      const started = responseTo(page, 'POST', '/api/supabase-sync/runs')
      await drift.getByRole('button', { name: 'Check now', exact: true }).click()
      const res = await started
      assert(res.ok(), () => `POST runs answered ${res.status()}`)
      const run = (await res.json()) as { id: string; kind: string }
      assert(run.kind === 'validate', () => `the run is a ${run.kind}`)
      await drift.locator(`.supabase-sync-check-summary[data-run="${run.id}"]`).waitFor()
      assert(polled.length > 0, () => 'the console never polled GET …/runs/:id')
      return run.id
    } finally {
      page.off('request', onRequest)
    }
  }
  return {
    app,
    url,
    page,
    expectedErrors,
    open,
    step,
    shot,
    timings: {},
    supabaseDb,
    dealer,
    supabaseRow,
    payloadDoc,
    stateOfDealer,
    panel: page.locator('section.supabase-sync-health'),
    drift,
    row: drift.locator(`tr[data-id="${dealer.id}"]`),
    compare,
    line,
    side: (field, which) => line(field).locator(`[data-side="${which}"] pre`),
    box: page.locator('.supabase-sync-document'),
    checkNow,
  }
}
