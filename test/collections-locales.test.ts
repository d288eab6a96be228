/**
 * Localization with a mapper that asks for every locale (`locale: 'all'`), on real Payload + the local
 * stack: the dev app's `posts` with `postMapperAllLocales` — toRow gets `title: { en, de }`, the row
 * keeps the default locale in `title`/`excerpt` and every locale in `translations`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Payload } from 'payload'
import {
  Posts,
  postMapperAllLocales,
  postsLocalization,
  type PostDoc,
} from '../dev/collections/posts.js'
import type { SyncJobInput } from '../src/index.js'
import { compareNow, eventually, startApp, type TestApp } from './support/app.js'

let app: TestApp
let payload: Payload
const queued: SyncJobInput[] = []

beforeAll(async () => {
  app = await startApp({
    collections: [Posts],
    sync: { collections: { posts: { table: 'posts', mapper: postMapperAllLocales as never } } },
    extend: (config) => ({ ...config, localization: postsLocalization }),
  })
  payload = app.payload
  await app.idle()
  const queue = payload.jobs.queue.bind(payload.jobs)
  payload.jobs.queue = ((args: { input?: SyncJobInput }) => {
    if (args.input?.collection === 'posts') queued.push(args.input)
    return queue(args as never)
  }) as typeof payload.jobs.queue
})
afterAll(async () => {
  await app?.close()
})
beforeEach(() => {
  queued.length = 0
})

let n = 0
const slug = () => `post-${Date.now().toString(36)}-${++n}`
const jobsFor = (id: string | number) => queued.filter((j) => j.id === String(id))
const row = async (id: string | number) => (await app.rows('posts')).get(String(id))

async function publishNew(data: Record<string, unknown> = {}): Promise<PostDoc> {
  const doc = (await payload.create({
    collection: 'posts',
    data: { title: 'Hello', slug: slug(), _status: 'published', ...data },
  })) as unknown as PostDoc
  await eventually(async () => expect(await row(doc.id)).toBeDefined())
  return doc
}

describe('localization: every locale when the mapper asks for it', () => {
  it('sends every locale; a save in German reaches translations and leaves the default-locale columns', async () => {
    const doc = await publishNew({ title: 'Hello', excerpt: 'In English' })
    expect(await row(doc.id)).toMatchObject({
      title: 'Hello',
      excerpt: 'In English',
      translations: { en: { title: 'Hello', excerpt: 'In English' } },
    })
    queued.length = 0

    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Hallo', excerpt: 'Auf Deutsch', _status: 'published' },
    })
    expect(jobsFor(doc.id)).toHaveLength(1)
    await eventually(async () =>
      expect(await row(doc.id)).toMatchObject({
        title: 'Hello',
        excerpt: 'In English',
        translations: {
          en: { title: 'Hello', excerpt: 'In English' },
          de: { title: 'Hallo', excerpt: 'Auf Deutsch' },
        },
      }),
    )
  })

  it('a save of an unsynced field, in either locale, queues nothing', async () => {
    const doc = await publishNew({ title: 'Hello' })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Hallo', _status: 'published' },
    })
    await eventually(async () =>
      expect((await row(doc.id))?.translations).toMatchObject({ de: { title: 'Hallo' } }),
    )
    await app.idle()
    const before = await row(doc.id)
    queued.length = 0
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { editorNotes: 'Notiz', _status: 'published' },
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'en',
      data: { editorNotes: 'Note' },
    })
    // Saving the same German title again changes nothing either.
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Hallo' },
    })
    await app.idle()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toEqual(before)
  })

  it('a German draft over the published post changes nothing and queues nothing; publishing it sends it', async () => {
    const doc = await publishNew({ title: 'Hello' })
    const before = await row(doc.id)
    queued.length = 0
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Entwurf' },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Entwurf 2' },
      draft: true,
      autosave: true,
    })
    await app.idle()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toEqual(before)
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { _status: 'published' },
    })
    await eventually(async () =>
      expect((await row(doc.id))?.translations).toMatchObject({
        en: { title: 'Hello' },
        de: { title: 'Entwurf 2' },
      }),
    )
  })

  it('reconcile reports nothing for drafts, trashed posts and every locale in sync', async () => {
    const ids: string[] = []
    const a = await publishNew({ title: 'A' })
    await payload.update({
      collection: 'posts',
      id: a.id,
      locale: 'de',
      data: { title: 'A (de)', _status: 'published' },
    })
    ids.push(String(a.id))
    const b = await publishNew({ title: 'B' })
    await payload.update({
      collection: 'posts',
      id: b.id,
      locale: 'de',
      data: { title: 'B-Entwurf' },
      draft: true,
    })
    ids.push(String(b.id))
    const trashed = await publishNew({ title: 'C' })
    await payload.update({
      collection: 'posts',
      id: trashed.id,
      data: { deletedAt: new Date().toISOString() },
    })
    ids.push(String(trashed.id))
    const draft = await payload.create({
      collection: 'posts',
      data: { title: 'D', slug: slug() },
      draft: true,
    })
    ids.push(String(draft.id))
    await app.idle()
    await eventually(async () => expect(await row(trashed.id)).toBeUndefined())

    const summary = await compareNow(payload, 'posts', ids)
    expect(summary.diff).toMatchObject({ missing: [], extra: [], changed: [] })
    expect(summary.failed).toEqual([])
    expect(summary.unchanged).toBe(2)

    // A German title changed in Supabase behind Payload's back is found, down to the key.
    await app.supabase.query(
      `update public.posts set translations = jsonb_set(translations, '{de,title}', '"edited"') where id = $1`,
      [a.id],
    )
    const drift = await compareNow(payload, 'posts', ids)
    expect(drift.diff.changed).toEqual([{ id: String(a.id), fields: ['translations.de'] }])
  })
})
