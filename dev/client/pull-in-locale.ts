import {
  assert,
  confirmModal,
  responseTo,
  seconds,
  syncTimeoutMs,
  until,
  type Db,
} from '../browser.js'
import type { ClientPage } from './client-page.js'

interface PostDoc {
  id: string
  title?: string | null
  slug?: string | null
  excerpt?: string | null
}

/**
 * 1. Pull into Payload from the sidebar box of a post open in German (`?locale=de`): the pull writes
 * the default locale (English), and the form is then refilled in German. Resolves with the time the
 * pull took.
 */
export async function pullInGerman(
  { url, page, step }: ClientPage,
  supabaseDb: Db,
): Promise<number> {
  // A post in English and German, published; Supabase's row holds the English title.
  const api = async <T>(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown) => {
    const res = await page.request.fetch(`${url}/api${path}`, { method, data })
    assert(res.ok(), () => `${method} ${path} answered ${res.status()}`)
    return (await res.json()) as T
  }
  const slug = `pull-locale-${Date.now().toString(36)}`
  const en = { title: 'Hello in English', excerpt: 'An English excerpt' }
  const de = { title: 'Hallo auf Deutsch', excerpt: 'Ein deutscher Auszug' }
  const { doc: created } = await api<{ doc: PostDoc }>('POST', '/posts?locale=en', {
    ...en,
    slug,
    _status: 'published',
  })
  await api('PATCH', `/posts/${created.id}?locale=de`, { ...de, _status: 'published' })
  const state = async () =>
    (
      await api<Array<{ state: string }>>(
        'GET',
        `/supabase-sync/documents?collection=posts&id=${created.id}`,
      )
    )[0]?.state
  await until(
    async () => ((await state()) === 'in-sync' ? true : undefined),
    syncTimeoutMs,
    () => 'the post never got to Supabase',
    250,
  )
  const tampered = { title: 'Changed in Supabase', slug: `${slug}-supabase` }
  await supabaseDb.query('update public.posts set title = $2, slug = $3 where id = $1', [
    created.id,
    tampered.title,
    tampered.slug,
  ])

  // The German edit view; the box says Differs.
  let t = Date.now()
  await page.goto(`${url}/admin/collections/posts/${created.id}?locale=de`, {
    timeout: 120_000,
  })
  const box = page.locator('.supabase-sync-document')
  await box.and(page.locator('[data-state="differs"]')).waitFor({ timeout: 120_000 })
  const title = page.locator('#field-title')
  assert(
    (await title.inputValue()) === de.title,
    () => 'the German form does not show the German title',
  )
  step(`edit view of the post in German, the box says Differs: ${seconds(Date.now() - t)}`)

  // Pull; wait for the whole sequence: pull, form reload, the box's state read again.
  t = Date.now()
  const pulled = responseTo(page, 'POST', '/api/supabase-sync/pull')
  const reloaded = responseTo(page, 'GET', new RegExp(`/api/posts/${created.id}\\?`))
  await box.getByRole('button', { name: 'Pull into Payload', exact: true }).click()
  await confirmModal(page, 'Pull into Payload')
  const pull = (await (await pulled).json()) as { pulled: Array<{ fields: string[] }> }
  assert(pull.pulled.length === 1, () => `the pull pulled nothing: ${JSON.stringify(pull)}`)
  const reload = await reloaded
  await responseTo(page, 'GET', '/api/supabase-sync/documents')
  // The form took the reloaded document (the slug, not localized, is Supabase's now) ...
  await until(
    async () =>
      (await page.locator('#field-slug').inputValue()) === tampered.slug ? true : undefined,
    30_000,
    () => 'the form was not refilled after the pull',
  )
  // ... in German: the German title stays, not the English one the pull wrote.
  const shown = await title.inputValue()
  assert(
    shown === de.title,
    () =>
      `after the pull the German form shows the title "${shown}" (reloaded with ${reload.url()}), not "${de.title}"`,
  )
  // The pull wrote the default locale (what the row's title is), and left German alone.
  const inEn = await api<PostDoc>('GET', `/posts/${created.id}?locale=en&depth=0`)
  const inDe = await api<PostDoc>(
    'GET',
    `/posts/${created.id}?locale=de&fallback-locale=null&depth=0`,
  )
  assert(
    inEn.title === tampered.title && inDe.title === de.title && inDe.excerpt === de.excerpt,
    () => `after the pull: en ${JSON.stringify(inEn)}, de ${JSON.stringify(inDe)}`,
  )
  const pullMs = Date.now() - t
  step(
    `Pull into Payload on ?locale=de: English (default locale) pulled, the form refilled in German (${reload.url().replace(url, '')}): ${seconds(pullMs)}`,
  )
  return pullMs
}
