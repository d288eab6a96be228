/**
 * `pull` against documents as Payload users configure them: the dev app's `posts` (drafts, trash,
 * locales en/de, `shouldSync` keeping internal posts out of Supabase), with a mapper that refuses
 * slugs `throw-…`. A pull takes a row's values only into a document whose row it is, never over an
 * edit Supabase has not seen, and in the mapper's locale only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Payload } from 'payload'
import {
  Posts,
  postMapper,
  postShouldSync,
  postsLocalization,
  type PostDoc,
} from '../dev/collections/posts.js'
import { defineMapper, pullFromSupabase } from '../src/index.js'
import { eventually, startApp, type TestApp } from './support/app.js'

const mapper = defineMapper({
  ...postMapper,
  toRow(doc: PostDoc) {
    if (doc.slug?.startsWith('throw-'))
      throw Object.assign(new Error('cannot map this slug'), { field: 'slug' })
    return postMapper.toRow(doc)
  },
})

let app: TestApp
let payload: Payload

beforeAll(async () => {
  app = await startApp({
    collections: [Posts],
    sync: {
      collections: {
        posts: { table: 'posts', mapper: mapper as never, shouldSync: postShouldSync },
      },
    },
    extend: (config) => ({ ...config, localization: postsLocalization }),
  })
  payload = app.payload
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

let n = 0
const slug = (prefix = 'post') => `${prefix}-${Date.now().toString(36)}-${++n}`
const row = async (id: string) => (await app.rows('posts')).get(id)
const post = async (id: string, locale?: 'en' | 'de') =>
  (await payload.findByID({
    collection: 'posts',
    id,
    depth: 0,
    ...(locale ? { locale, fallbackLocale: false } : {}),
  })) as unknown as PostDoc

async function publishNew(data: Record<string, unknown> = {}): Promise<string> {
  const doc = await payload.create({
    collection: 'posts',
    data: { title: 'Hello', slug: slug(), _status: 'published', ...data },
  })
  const id = String(doc.id)
  await eventually(async () => expect(await row(id)).toBeDefined())
  await app.idle()
  return id
}

/** The document's delivery, once it has run (and failed or not). */
async function delivered(id: string): Promise<{ hasError?: boolean } | undefined> {
  const { docs } = await payload.find({
    collection: 'payload-jobs',
    where: { 'input.id': { equals: id } } as never,
    depth: 0,
    overrideAccess: true,
  })
  return docs[0] as { hasError?: boolean } | undefined
}

describe('pull and what Payload holds now', () => {
  it('an edit that made the document unmappable is newer in Payload: skipped, not overwritten with the older row', async () => {
    const id = await publishNew()
    const before = await row(id)
    await app.supabase.query(`update public.posts set title = 'From Supabase' where id = $1`, [id])
    // The editor's change cannot be mapped: its delivery fails for good, the row stays the older one.
    const edited = slug('throw')
    await payload.update({ collection: 'posts', id, data: { slug: edited } })
    await eventually(async () => expect((await delivered(id))?.hasError).toBe(true))
    const result = await pullFromSupabase(payload, { collection: 'posts', ids: [id] })
    expect(result.pulled).toEqual([])
    expect(result.skipped).toEqual([
      { id, reason: expect.stringMatching(/^newer in Payload: .*cannot be mapped/) },
    ])
    // The editor's slug is kept (before: the row's older slug was written over it).
    expect((await post(id)).slug).toBe(edited)
    expect((await row(id))?.slug).toBe(before?.slug)
  })
})
