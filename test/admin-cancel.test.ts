/**
 * Cancel of a background run in the console: the run stops after its current page, which on a large
 * table or a slow Supabase takes a while. From the click until then the console says that a cancel was
 * asked — the run's state (`GET …/runs/:id`: `cancelling`) and its progress line and button — instead
 * of showing the same progress and an active Cancel as if the click had done nothing.
 */
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { handleEndpoints } from 'payload'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RunProgress } from '../src/admin/client/RunProgress.js'
import type { RunState } from '../src/ops/runs.js'
import { dealerData, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp
let authorization = ''

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false, checks: { schedule: false } } })
  const user = { email: 'cancel@example.com', password: 'secret-password' }
  await app.payload.create({ collection: 'users', data: user as never })
  const { token } = await app.payload.login({ collection: 'users', data: user })
  authorization = `JWT ${token}`
  for (let i = 0; i < 3; i++)
    await app.payload.create({ collection: 'dealers', data: dealerData() })
})
afterAll(async () => {
  await app?.close()
})

async function call(method: string, path: string, body?: unknown) {
  const request = new Request(`http://localhost:3000/api${path}`, {
    method,
    headers: {
      authorization,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const res = await handleEndpoints({
    config: Promise.resolve(app.payload.config),
    request,
    payloadInstanceCacheKey: app.key,
  } as never)
  return { status: res.status, body: (await res.json()) as RunState }
}

const progressOf = (run: RunState | null, cancelling?: boolean) =>
  renderToStaticMarkup(
    createElement(RunProgress, { run, label: 'Writing', onCancel: () => {}, cancelling }),
  )

it('from the cancel until the run has stopped, its state and the console say it is cancelling', async () => {
  // The run's reads of Supabase wait, so that it is still on its page when the cancel comes.
  const hold = app.stack.faults.hold({ path: 'dealers', method: 'GET', count: 100 })
  let cancelled: Promise<{ status: number; body: RunState }> | undefined
  try {
    const started = await call('POST', '/supabase-sync/runs', { op: 'sync' })
    expect(started.status).toBe(200)
    await hold.arrived
    const id = started.body.id
    const running = (await call('GET', `/supabase-sync/runs/${id}`)).body
    expect(running).toMatchObject({ status: 'running' })
    expect(running.cancelling).toBeUndefined()
    expect(progressOf(running)).toMatch(/<button[^>]*>Cancel<\/button>/)
    // The click: the console says so at once, before the server's state does.
    expect(progressOf(running, true)).toMatch(/<button[^>]*disabled=""[^>]*>Cancelling…<\/button>/)

    cancelled = call('POST', `/supabase-sync/runs/${id}/cancel`, {})
    const polled = await eventually(async () => {
      const state = (await call('GET', `/supabase-sync/runs/${id}`)).body
      expect(state).toMatchObject({ status: 'running', cancelling: true })
      return state
    })
    // What a poll shows — also after a reload, where the page did not see the click.
    const html = progressOf(polled)
    expect(html).toContain('data-cancelling="true"')
    expect(html).toContain('Writing — cancelling, stops after the current page:')
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Cancelling…<\/button>/)
  } finally {
    hold.release()
  }
  const ended = await cancelled!
  expect(ended.status).toBe(200)
  expect(ended.body).toMatchObject({ status: 'cancelled' })
}, 60_000)
