/**
 * What the browser tests (dev/smoke-admin.ts, dev/console-admin.ts) share: the dev app on a throw-away
 * data directory and free ports, headless Chromium (Debian's /usr/bin/chromium through playwright-core;
 * nothing is installed here — `.ci/smoke` installs chromium in CI), pages whose console errors are
 * collected, the admin's login, waiting for a condition, a database connection, and the run itself:
 * on failure a screenshot, the browser's errors and Next's last lines; Next's whole output in
 * test-results/ (SMOKE_RESULTS_DIR to change); everything stopped and removed at the end.
 *
 * Every wait is for a condition, never a fixed time. The tests share dev/.next with `npm run dev`, so
 * don't run them at once; their next dev does not rebuild when files change (DEV_NO_WATCH).
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core'
import { repoDir, startDevApp, type DevApp } from './devApp.js'
import { freePort } from './stack.js'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const resultsDir = path.resolve(repoDir, process.env.SMOKE_RESULTS_DIR ?? 'test-results')

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** How long a delivery may take to show (generous: shared CPUs stall the app at times). */
export const syncTimeoutMs = 60_000

/**
 * Polls `check` (every `everyMs`) until it returns a value that is not undefined; throws `describe()`
 * after the timeout. Checks that ask the app over HTTP poll slower (they load the server under test).
 */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  describe: () => string,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${describe()} (after ${timeoutMs} ms)`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new Error(message())
}

/** Like assert, for a message that has to read something first. */
export async function ensure(
  condition: unknown,
  message: () => string | Promise<string>,
): Promise<void> {
  if (!condition) throw new Error(await message())
}

/** One connection to a database, opened on first use and kept for the run. */
export class Db {
  private client?: pg.Client
  constructor(private readonly uri: string) {}
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.client) {
      this.client = new pg.Client({ connectionString: this.uri })
      await this.client.connect()
    }
    return (await this.client.query(sql, params)).rows as T[]
  }
  async close() {
    await this.client?.end().catch(() => {})
  }
}

/** A page whose console errors, page errors and failed requests are collected (`expect`: errors that are part of the test). */
export interface Watched {
  page: Page
  errors: string[]
  expect: RegExp[]
}

export function watch(page: Page): Watched {
  const watched: Watched = { page, errors: [], expect: [] }
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !watched.expect.some((re) => re.test(msg.text())))
      watched.errors.push(msg.text().slice(0, 400))
  })
  page.on('pageerror', (err) => watched.errors.push(`page error: ${err.message}`))
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? ''
    // Navigations cancel the requests (RSC fetches, server actions) of the page they leave: not an error.
    if (!reason.includes('ERR_ABORTED'))
      watched.errors.push(`request failed: ${req.method()} ${req.url()} ${reason}`)
  })
  // Generous: the machines running these tests can stall the app for tens of seconds (shared CPUs).
  page.setDefaultTimeout(90_000)
  return watched
}

/** The login page (the first request compiles /admin: generous), then the login; the times of both. */
export async function login(
  page: Page,
  url: string,
  user: { email: string; password: string },
): Promise<{ loginPageMs: number; loginMs: number }> {
  let t = Date.now()
  await page.goto(`${url}/admin/login`, { timeout: 180_000, waitUntil: 'load' })
  await page.locator('#field-email').waitFor({ timeout: 120_000 })
  const loginPageMs = Date.now() - t
  t = Date.now()
  await page.fill('#field-email', user.email)
  await page.fill('#field-password', user.password)
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/admin/login'), { timeout: 60_000 }),
    page.click('button[type="submit"]'),
  ])
  await page
    .locator('.dashboard, .collections, [class*="dashboard"]')
    .first()
    .waitFor({ timeout: 60_000 })
  return { loginPageMs, loginMs: Date.now() - t }
}

/** The response of the first request matching the method and a part of the URL. */
/** Confirms the open ConfirmationModal (Payload's) with its confirm button `label`. */
export async function confirmModal(page: Page, label: string): Promise<void> {
  const modal = page.locator('.supabase-sync-confirm')
  await modal.waitFor()
  await modal.getByRole('button', { name: label, exact: true }).click()
}

export function responseTo(
  page: Page,
  method: string,
  urlPart: string | RegExp,
  timeoutMs = 120_000,
): Promise<Response> {
  return page.waitForResponse(
    (res) =>
      res.request().method() === method &&
      (typeof urlPart === 'string' ? res.url().includes(urlPart) : urlPart.test(res.url())),
    { timeout: timeoutMs },
  )
}

export interface BrowserRun {
  app: DevApp
  browser: Browser
  /** A new browser context's page, watched; the last one opened is the one a failure screenshots. */
  open(): Promise<Watched>
  step(message: string): void
  elapsed(): string
  /** test-results/<prefix>-<name>.png */
  shot(name: string): string
}

/** A browser test: its label (`SMOKE`, `CONSOLE`), its screenshots' prefix, and what it does; resolves with its summary line. */
export interface BrowserTest {
  label: string
  prefix: string
  body: (run: BrowserRun) => Promise<string>
}

/** Whether the module of `importMetaUrl` is the script node was started with. */
export const isMain = (importMetaUrl: string) =>
  Boolean(process.argv[1]) && path.resolve(process.argv[1]!) === fileURLToPath(importMetaUrl)

/**
 * Runs browser tests one after the other on one dev app (one stack, one seed, one `next dev`, so the
 * admin is compiled once) and one Chromium, each in browser contexts of its own, as the seeded admin
 * (`app.admin`). Prints `<LABEL> OK: <summary>` per test; stops at the first failure (a screenshot,
 * the browser's errors, Next's last lines). Next's whole output goes to test-results/<log>-next.log.
 * Sets the exit code (0 when all worked, 1 otherwise) and exits: lingering handles (the seed's pg
 * pools) must not keep it alive.
 */
export async function runBrowserTests(tests: BrowserTest[], log: string): Promise<never> {
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
  let tag = 'browser'
  const step = (message: string) => console.log(`[${tag} ${elapsed()}] ${message}`)
  const nextLogPath = path.join(resultsDir, `${log}-next.log`)
  const nextLog: string[] = []
  let app: DevApp | undefined
  let browser: Browser | undefined
  let current: Watched | undefined
  let failureShot = path.join(resultsDir, 'browser-failure.png')
  let dataRoot: string | undefined
  try {
    try {
      await fs.access(chromiumPath)
    } catch {
      throw new Error(
        `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium; .ci/smoke does), or set CHROMIUM_PATH`,
      )
    }
    await fs.mkdir(resultsDir, { recursive: true })
    for (const test of tests)
      await fs.rm(path.join(resultsDir, `${test.prefix}-failure.png`), { force: true })
    // Not under /root: embedded PostgreSQL runs as the user postgres, who must read every parent.
    dataRoot = await fs.mkdtemp(
      path.join(os.tmpdir() === '/root' ? '/tmp' : os.tmpdir(), `${log}-`),
    )
    await fs.chmod(dataRoot, 0o755)
    step('starting the local stack, the seed and next dev ...')
    // No rebuilds while this runs (dev/next.config.mjs): an edit in the working tree must not refresh the pages under test.
    process.env.DEV_NO_WATCH = '1'
    app = await startDevApp({
      dataRoot,
      persistent: false,
      supabasePort: 0,
      nextPort: await freePort(),
      admin: {
        email: 'admin@example.com',
        password: `admin-${randomBytes(9).toString('base64url')}`,
      },
      onNextOutput: (line) => nextLog.push(line),
    })
    const { timings } = app
    step(
      `stack ${seconds(timings.stackMs)}, seed ${seconds(timings.seedMs)} (${app.dealersSeeded} dealers), next ready ${seconds(timings.nextReadyMs)}: ${app.url}`,
    )
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    })
    const opened = browser
    for (const test of tests) {
      tag = test.label.toLowerCase()
      const testStarted = Date.now()
      const shot = (name: string) => path.join(resultsDir, `${test.prefix}-${name}.png`)
      failureShot = shot('failure')
      const contexts: BrowserContext[] = []
      const summary = await test.body({
        app,
        browser,
        async open() {
          const context = await opened.newContext({ viewport: { width: 1400, height: 1000 } })
          contexts.push(context)
          current = watch(await context.newPage())
          return current
        },
        step,
        elapsed,
        shot,
      })
      console.log(`\n${test.label} OK: ${summary}, ${seconds(Date.now() - testStarted)}`)
      if (current?.errors.length)
        console.log(
          `browser console errors (${current.errors.length}):\n  ${current.errors.slice(0, 10).join('\n  ')}`,
        )
      current = undefined
      for (const context of contexts) await context.close().catch(() => {})
    }
    console.log(`\nBROWSER TESTS OK (${tests.map((t) => t.label).join(', ')}): total ${elapsed()}`)
  } catch (error) {
    console.error(`\n${tag.toUpperCase()} FAILED after ${elapsed()}:`, error)
    await current?.page
      .screenshot({ path: failureShot, fullPage: true, caret: 'initial' })
      .catch(() => {})
    if (current?.errors.length)
      console.error(`browser console errors:\n  ${current.errors.slice(0, 10).join('\n  ')}`)
    console.error(
      `last lines of next dev (all in ${nextLogPath}):\n${nextLog.slice(-40).join('\n')}`,
    )
    process.exitCode = 1
  } finally {
    await fs.writeFile(nextLogPath, nextLog.join('\n') + '\n').catch(() => {})
    await browser?.close().catch(() => {})
    await app?.stop().catch((err) => console.error('stopping the dev app failed:', err))
    if (dataRoot) await fs.rm(dataRoot, { recursive: true, force: true }).catch(() => {})
  }
  process.exit(process.exitCode ?? 0)
}
