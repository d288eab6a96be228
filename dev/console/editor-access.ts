import { randomBytes } from 'node:crypto'
import { assert, ensure, login } from '../browser.js'
import type { ConsoleSession } from './session.js'

/**
 * 11. A user without the plugin's `read` right (role "editor" in dev/payload.config.ts) sees no link,
 * no panel, no box and no pills, gets 403 from the endpoints and the admin's not-found page at
 * /admin/supabase-sync. The editor is made through the admin's session, and logs in in a context of its own.
 */
export async function editorSeesNothing(s: ConsoleSession): Promise<void> {
  const { page, url, dealer, step, shot } = s
  // (The admin's console stops refreshing itself in the background first.)
  await page.goto('about:blank')
  const editor = {
    email: 'editor@example.com',
    password: `editor-${randomBytes(9).toString('base64url')}`,
  }
  const created = await page.request.post(`${url}/api/users`, {
    data: { ...editor, role: 'editor' },
  })
  await ensure(
    created.ok(),
    async () => `creating the editor answered ${created.status()}: ${await created.text()}`,
  )
  const { page: editorPage, expect: editorErrors } = await s.open()
  editorErrors.push(/status of 40[34]/)
  await login(editorPage, url, editor)
  assert(
    (await editorPage.locator('#nav-supabase-sync').count()) === 0,
    () => 'the editor sees the nav link',
  )
  assert(
    (await editorPage.locator('section.supabase-sync-health').count()) === 0,
    () => 'the editor sees the panel',
  )
  const status = await editorPage.request.get(`${url}/api/supabase-sync/status`)
  assert(status.status() === 403, () => `GET status answered ${status.status()} to the editor`)
  const notFound = await editorPage.goto(`${url}/admin/supabase-sync`, { timeout: 120_000 })
  await editorPage
    .getByText(/nothing found|not found/i)
    .first()
    .waitFor()
  assert(
    notFound?.status() === 404 && (await editorPage.locator('.supabase-sync-drift').count()) === 0,
    () => `the editor got ${notFound?.status()} at /admin/supabase-sync`,
  )
  await editorPage.screenshot({
    path: shot('editor-not-found'),
    fullPage: true,
    caret: 'initial',
  })
  await editorPage.goto(`${url}/admin/collections/dealers/${dealer.id}`, { timeout: 120_000 })
  await editorPage.locator('#field-name').waitFor()
  await editorPage.locator('#action-save').waitFor()
  assert(
    (await editorPage.locator('.supabase-sync-document').count()) === 0,
    () => 'the editor sees the box',
  )
  const refused = editorPage.waitForResponse((res) =>
    res.url().includes('/api/supabase-sync/documents'),
  )
  await editorPage.goto(`${url}/admin/collections/dealers`, { timeout: 120_000 })
  await editorPage.locator('.table tbody tr').first().waitFor()
  assert(
    (await refused).status() === 403,
    () => 'the list asked the documents endpoint for the editor without a 403',
  )
  assert(
    (await editorPage.locator('.supabase-sync-cell').count()) === 0,
    () => 'the editor sees pills',
  )
  step(
    'editor (no read): no nav link, no panel, 403 from the endpoints, 404 not-found page at /admin/supabase-sync, no box, no pills',
  )
  await editorPage.context().close()
}
