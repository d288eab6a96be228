/**
 * Payload's other ways to change a document of a synced collection, on the dev app's `posts`
 * (drafts with autosave, trash, locales en/de): restoring a version (published, draft, as draft),
 * publishing one locale, duplicating, unpublishing, trashing in bulk and deleting from the trash for
 * good, and a save without a transaction. After each, once delivery is done, Supabase holds what the
 * mapper makes of the document `find({ draft: false })` returns — or no row when that is none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalReq, restoreVersionOperation, type Payload } from 'payload'
import {
  Posts,
  postMapper,
  postShouldSync,
  postsLocalization,
  type PostDoc,
} from '../dev/collections/posts.js'
import { compareNow, settled, startApp, type TestApp } from './support/app.js'

/** The posts, with Payload's scheduled publish (a `schedulePublish` job on the default queue). */
const ScheduledPosts = {
  ...Posts,
  versions: { drafts: { autosave: { interval: 800 }, schedulePublish: true }, maxPerDoc: 25 },
}

let app: TestApp
let payload: Payload

beforeAll(async () => {
  app = await startApp({
    collections: [ScheduledPosts],
    sync: {
      collections: { posts: { table: 'posts', mapper: postMapper, shouldSync: postShouldSync } },
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
const slug = () => `op-${Date.now().toString(36)}-${++n}`
const row = async (id: string) => (await app.rows('posts')).get(id)

/** Delivery done, and the rows of these posts equal their mapped main documents (or are absent). */
async function inSync(...ids: string[]): Promise<void> {
  await settled(app)
  const { diff, failed } = await compareNow(payload, 'posts', ids)
  expect({ missing: diff.missing, extra: diff.extra, changed: diff.changed, failed }).toEqual({
    missing: [],
    extra: [],
    changed: [],
    failed: [],
  })
}

async function published(title: string): Promise<string> {
  const doc = await payload.create({
    collection: 'posts',
    data: { title, slug: slug(), _status: 'published' },
  })
  await inSync(String(doc.id))
  return String(doc.id)
}

async function versions(id: string) {
  const { docs } = await payload.findVersions({
    collection: 'posts',
    where: { parent: { equals: id } },
    sort: '-updatedAt',
    limit: 50,
  })
  return docs as unknown as Array<{ id: string; version: PostDoc }>
}

describe('restoreVersion', () => {
  it('of an older published version: the row takes it', async () => {
    const id = await published('First')
    await payload.update({ collection: 'posts', id, data: { title: 'Second' } })
    const first = (await versions(id)).find((v) => v.version.title === 'First')!
    await payload.restoreVersion({ collection: 'posts', id: first.id })
    await inSync(id)
    expect((await row(id))?.title).toBe('First')
  })

  it('of a draft version: Payload writes it as the main document, unpublished — no row', async () => {
    const id = await published('Live')
    await payload.update({ collection: 'posts', id, data: { title: 'Unfinished' }, draft: true })
    const draft = (await versions(id)).find((v) => v.version.title === 'Unfinished')!
    await payload.restoreVersion({ collection: 'posts', id: draft.id })
    const main = await payload.findByID({ collection: 'posts', id, draft: false })
    await inSync(id)
    expect(await row(id)).toEqual(main._status === 'published' ? expect.anything() : undefined)
  })

  it("as draft (the admin's Restore as draft; the Local API has no `draft`): the row stays", async () => {
    const id = await published('Kept')
    await payload.update({ collection: 'posts', id, data: { title: 'Later' } })
    const kept = (await versions(id)).find((v) => v.version.title === 'Kept')!
    // What REST's `POST /api/posts/versions/:id?draft=true` runs.
    await restoreVersionOperation({
      id: kept.id,
      collection: payload.collections.posts,
      draft: true,
      overrideAccess: true,
      req: await createLocalReq({}, payload),
    } as never)
    expect((await payload.findByID({ collection: 'posts', id, draft: true })).title).toBe('Kept')
    await inSync(id)
    expect((await row(id))?.title).toBe('Later')
  })
})

describe('locales, duplicates, unpublish', () => {
  it('publishing one locale (publishSpecificLocale) leaves the row equal to the main document', async () => {
    const id = await published('English')
    await payload.update({
      collection: 'posts',
      id,
      locale: 'de',
      data: { title: 'Deutsch', excerpt: 'de only' },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id,
      locale: 'de',
      data: { _status: 'published' },
      publishSpecificLocale: 'de',
    })
    await inSync(id)
    expect((await row(id))?.title).toBe('English')
  })

  it('a duplicate of a published post gets the row its main document maps to', async () => {
    const id = await published('Original')
    const copy = await payload.duplicate({
      collection: 'posts',
      id,
      data: { slug: slug(), _status: 'published' },
    })
    await inSync(id, String(copy.id))
    expect((await row(String(copy.id)))?.title).toBe('Original')
  })

  it('unpublish: the row goes', async () => {
    const id = await published('Withdrawn')
    await payload.update({ collection: 'posts', id, data: { _status: 'draft' } })
    await inSync(id)
    expect(await row(id)).toBeUndefined()
  })
})

describe('scheduled publish', () => {
  it("publishing runs as Payload's job, in a transaction of its own: the row is written", async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'Scheduled', slug: slug() },
      draft: true,
    })
    const id = String(doc.id)
    await payload.jobs.queue({
      task: 'schedulePublish',
      input: { type: 'publish', doc: { relationTo: 'posts', value: id } },
    } as never)
    await payload.jobs.run({ queue: 'default', silent: true } as never)
    expect((await payload.findByID({ collection: 'posts', id, draft: false }))._status).toBe(
      'published',
    )
    await inSync(id)
    expect((await row(id))?.title).toBe('Scheduled')
  })
})

describe('trash', () => {
  it('trashed in bulk, then deleted for good from the trash: no row, no failed job', async () => {
    const a = await published('Trash A')
    const b = await published('Trash B')
    const trashed = await payload.update({
      collection: 'posts',
      where: { id: { in: [a, b] } },
      data: { deletedAt: new Date().toISOString() },
    })
    expect(trashed.errors).toEqual([])
    await inSync(a, b)
    expect([await row(a), await row(b)]).toEqual([undefined, undefined])
    await payload.delete({ collection: 'posts', where: { id: { in: [a, b] } }, trash: true })
    await inSync(a, b)
  })
})

describe('without a transaction (disableTransaction)', () => {
  it('a save queues and is delivered all the same', async () => {
    const id = await published('No transaction')
    await payload.update({
      collection: 'posts',
      id,
      data: { title: 'Saved without one' },
      disableTransaction: true,
    })
    await inSync(id)
    expect((await row(id))?.title).toBe('Saved without one')
    await payload.delete({ collection: 'posts', id, disableTransaction: true })
    await inSync(id)
    expect(await row(id)).toBeUndefined()
  })
})
