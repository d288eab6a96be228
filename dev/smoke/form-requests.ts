import type { Page, Request } from 'playwright-core'
import type { DevApp } from '../devApp.js'
import { until } from '../browser.js'

/**
 * The page's requests to the app, to wait until the admin's form is done talking to the server: after a
 * change, Payload's form waits 250 ms, then asks the server for the new form state (which fields the
 * conditions show, validation); filling a field that such an answer is about to replace loses the input.
 */
export function watchRequests(page: Page, origin: string) {
  const inflight = new Set<Request>()
  let lastActivity = Date.now()
  const counts = (req: Request) =>
    req.url().startsWith(origin) && !req.url().includes('/_next/webpack-hmr')
  page.on('request', (req) => {
    if (!counts(req)) return
    inflight.add(req)
    lastActivity = Date.now()
  })
  const done = (req: Request) => {
    if (inflight.delete(req)) lastActivity = Date.now()
  }
  page.on('requestfinished', done)
  page.on('requestfailed', done)
  return {
    /** Resolves once no request to the app has been open for `quietMs` (longer than the form's 250 ms debounce). */
    idle(what: string, quietMs = 600, timeoutMs = 30_000): Promise<true> {
      return until(
        () => (inflight.size === 0 && Date.now() - lastActivity >= quietMs ? true : undefined),
        timeoutMs,
        () =>
          `${what}: requests still open: ${[...inflight].map((r) => `${r.method()} ${r.url()}`).join(', ') || '(none, but never quiet)'}`,
      )
    },
  }
}

export type FormRequests = ReturnType<typeof watchRequests>

/** What each screen of the smoke test drives: the logged-in page, its form's requests, and the run's reporting. */
export interface SmokePage {
  app: DevApp
  page: Page
  requests: FormRequests
  step(message: string): void
  shot(name: string): string
}
