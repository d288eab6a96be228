/**
 * `pull` against documents as Payload users configure them: the dev app's `posts` (drafts, trash,
 * locales en/de, `shouldSync` keeping internal posts out of Supabase), with a mapper that refuses
 * slugs `throw-…`. A pull takes a row's values only into a document whose row it is, never over an
 * edit Supabase has not seen, and in the mapper's locale only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionConfig, Payload } from 'payload'
import { z } from 'zod'
import {
  Posts,
  postMapper,
  postRowSchema,
  postShouldSync,
  postsLocalization,
  type PostDoc,
  type PostRow,
} from '../dev/collections/posts.js'
import { defineMapper, pullFromSupabase } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import type { ExternalChangePolicy } from '../src/realtime/options.js'
import { eventually, startApp, type TestApp } from './support/app.js'

/**
 * Posts with a relationship to another post, mapped to `related_id` — and a hook as apps write them:
 * a post saved with `notify` set notes it on the post it relates to, in the save's transaction (`req`).
 */
const PostsRelated: CollectionConfig = {
  ...Posts,
  fields: [
    ...Posts.fields,
    { name: 'related', type: 'relationship', relationTo: 'posts' },
    { name: 'notify', type: 'checkbox' },
  ],
  hooks: {
    afterChange: [
      async ({ doc, operation, req }) => {
        const related = typeof doc.related === 'object' ? doc.related?.id : doc.related
        if (operation === 'update' && doc.notify && related)
          await req.payload.update({
            collection: 'posts',
            id: related,
            data: { editorNotes: `referenced by ${String(doc.id)}` },
            req,
          })
        return doc
      },
    ],
  },
}
type Row = PostRow & { related_id: string | null }
type Doc = PostDoc & { related?: string | null }

/** Slugs `throw-…` cannot be mapped; titles `unpullable…` cannot be mapped back. */
const mapper = defineMapper<Doc, Row>({
  idType: postMapper.idType,
  updatedAtColumn: postMapper.updatedAtColumn,
  readOnlyColumns: postMapper.readOnlyColumns,
  rowSchema: postRowSchema.extend({ related_id: z.guid().nullable() }) as never,
  toRow(doc) {
    if (doc.slug?.startsWith('throw-'))
      throw Object.assign(new Error('cannot map this slug'), { field: 'slug' })
    const row = postMapper.toRow(doc)
    return row && { ...row, related_id: doc.related ?? null }
  },
  fromRow(row) {
    if (row.title.startsWith('unpullable'))
      throw Object.assign(new Error('cannot take this title'), { field: 'title' })
    return { ...postMapper.fromRow!(row), related: row.related_id }
  },
})

/** Editors: a pull for a user is made as that user. */
const Users: CollectionConfig = { slug: 'users', auth: true, fields: [] }

let app: TestApp
let payload: Payload

beforeAll(async () => {
  app = await startApp({
    collections: [PostsRelated, Users],
    supabaseSql: `alter table public.posts add column if not exists related_id uuid;
      alter publication supabase_realtime add table public.posts;`,
    sync: {
      // Watched, and left as they are until a test says otherwise.
      realtime: true,
      collections: {
        posts: {
          table: 'posts',
          mapper: mapper as never,
          shouldSync: postShouldSync,
          onExternalChange: 'record',
        },
      },
    },
    extend: (config) => ({ ...config, localization: postsLocalization }),
  })
  payload = app.payload
  await app.idle()
  await eventually(async () =>
    expect(getRuntime(payload).watch?.status().posts?.status).toBe('subscribed'),
  )
})
afterAll(async () => {
  await app?.close()
})
beforeEach(() => setPolicy('record'))

/** The policy is read per batch (a deployment sets it in the options). */
function setPolicy(policy: ExternalChangePolicy): void {
  getRuntime(payload).collections.get('posts')!.watch = policy
}

async function catches(id: string): Promise<Array<Record<string, unknown>>> {
  const { docs } = await payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'external-change' } },
    limit: 100,
    overrideAccess: true,
  })
  return (docs as Array<Record<string, unknown>>).filter((d) =>
    ((d.ids as string[] | undefined) ?? []).includes(id),
  )
}

let n = 0
const slug = (prefix = 'post') => `${prefix}-${Date.now().toString(36)}-${++n}`
const row = async (id: string) => (await app.rows('posts')).get(id)
const post = async (id: string, locale?: 'en' | 'de') =>
  (await payload.findByID({
    collection: 'posts',
    id,
    depth: 0,
    ...(locale ? { locale, fallbackLocale: false } : {}),
  })) as unknown as Doc

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

describe('a document that maps to no row', () => {
  const insertRow = (id: string, title: string) =>
    app.supabase.query(
      `insert into public.posts (id, slug, title, excerpt, created_at, updated_at) values ($1, $2, $3, null, now(), now())`,
      [id, slug('row'), title],
    )

  it('is not pulled into: its row is a leftover (shouldSync keeps the post out of Supabase)', async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'Internal', slug: slug(), audience: 'internal', _status: 'published' },
    })
    const id = String(doc.id)
    await app.idle()
    await insertRow(id, 'From Supabase')
    const result = await pullFromSupabase(payload, { collection: 'posts', ids: [id] })
    expect(result.pulled).toEqual([])
    expect(result.skipped).toEqual([
      { id, reason: expect.stringMatching(/belongs out of Supabase/), outOfSupabase: true },
    ])
    // Before: the title was taken in and reported pulled.
    expect((await post(id)).title).toBe('Internal')
    await app.supabase.query('delete from public.posts where id = $1', [id])
  })

  it("under the 'pull' policy, such a row is deleted (reverted), and Payload keeps its values", async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'Internal too', slug: slug(), audience: 'internal', _status: 'published' },
    })
    const id = String(doc.id)
    await app.idle()
    setPolicy('pull')
    await insertRow(id, 'From Supabase')
    await eventually(async () =>
      expect((await catches(id))[0]).toMatchObject({
        details: {
          policy: 'pull',
          catches: [{ outcome: 'reverted', reason: expect.stringMatching(/belongs out/) }],
        },
      }),
    )
    await app.idle()
    expect(await row(id)).toBeUndefined()
    expect((await post(id)).title).toBe('Internal too')
  })
})

describe("under the 'pull' policy, a row Payload can never take is reverted, not tried for ever", () => {
  it('a relationship to a document that does not exist (refused by the foreign key in Payload’s database)', async () => {
    const id = await publishNew()
    setPolicy('pull')
    await app.supabase.query(
      `update public.posts set title = 'Points nowhere', related_id = gen_random_uuid() where id = $1`,
      [id],
    )
    // Before: the database's refusal was taken for a passing failure — looked at again and again, the row never reverted.
    await eventually(async () =>
      expect((await catches(id))[0]).toMatchObject({
        details: {
          policy: 'pull',
          catches: [{ outcome: 'reverted', reason: expect.stringMatching(/23503/) }],
        },
      }),
    )
    await eventually(async () =>
      expect(await row(id)).toMatchObject({ title: 'Hello', related_id: null }),
    )
    expect((await post(id)).related ?? null).toBeNull()
  })

  it("a row the mapper's fromRow refuses (it throws)", async () => {
    const id = await publishNew()
    setPolicy('pull')
    await app.supabase.query(`update public.posts set title = 'unpullable title' where id = $1`, [
      id,
    ])
    await eventually(async () =>
      expect((await catches(id))[0]).toMatchObject({
        details: {
          policy: 'pull',
          catches: [{ outcome: 'reverted', reason: expect.stringMatching(/title/) }],
        },
      }),
    )
    await eventually(async () => expect(await row(id)).toMatchObject({ title: 'Hello' }))
    expect((await post(id)).title).toBe('Hello')
  })
})

describe('a pull of every changed row (no ids)', () => {
  it('reports the progress of its scan and stops between its pages when cancelled (Ctrl-C), pulling nothing', async () => {
    const id = await publishNew()
    await app.supabase.query(`update public.posts set title = 'Not pulled' where id = $1`, [id])
    const stop = new AbortController()
    const seen: number[] = []
    // Before: the scan ran to its end without a word, then every id was listed as cancelled.
    await expect(
      pullFromSupabase(payload, {
        collection: 'posts',
        signal: stop.signal,
        onProgress: (p) => {
          seen.push(p.documents)
          stop.abort()
        },
      }),
    ).rejects.toThrow(/cancelled/)
    expect(seen.length).toBeGreaterThan(0)
    expect((await post(id)).title).toBe('Hello')
  })
})

describe('a pull made as a user (the endpoint, the console)', () => {
  const editor = async (email: string) => ({
    ...(await payload.create({
      collection: 'users',
      data: { email, password: 'secret-password' },
    })),
    collection: 'users' as const,
  })

  it("respects Payload's document lock, as the user's own save through Payload's REST API does", async () => {
    const id = await publishNew()
    const [holder, other] = [
      await editor(`holder-${++n}@example.com`),
      await editor(`other-${++n}@example.com`),
    ]
    // The holder has the post open in the admin's editor.
    await payload.create({
      collection: 'payload-locked-documents',
      data: {
        document: { relationTo: 'posts', value: id },
        globalSlug: null,
        user: { relationTo: 'users', value: holder.id },
      } as never,
      overrideAccess: true,
    })
    await app.supabase.query(`update public.posts set title = 'From Supabase' where id = $1`, [id])
    const refused = await pullFromSupabase(payload, {
      collection: 'posts',
      ids: [id],
      user: other as never,
    })
    expect(refused.pulled).toEqual([])
    expect(refused.failed).toEqual([
      expect.objectContaining({ id, message: expect.stringMatching(/locked by another user/) }),
    ])
    // Before: written over the editor's open document.
    expect((await post(id)).title).toBe('Hello')
    // The holder may (the console's Use Supabase value, from the document's own editor).
    const taken = await pullFromSupabase(payload, {
      collection: 'posts',
      ids: [id],
      user: holder as never,
    })
    expect(taken.pulled).toEqual([{ id, fields: ['title'] }])
    expect((await post(id)).title).toBe('From Supabase')
  })
})

describe("the user's own hooks", () => {
  it('a hook that saves another document in the same transaction does not make the pull fail', async () => {
    const target = await publishNew()
    const id = await publishNew({ related: target, notify: true })
    await app.supabase.query(`update public.posts set title = 'From Supabase' where id = $1`, [id])
    const result = await pullFromSupabase(payload, { collection: 'posts', ids: [id] })
    // Before: the pull's version check ran for the other post's save too, and failed the whole save.
    expect(result.failed).toEqual([])
    expect(result.pulled).toEqual([{ id, fields: ['title'] }])
    expect((await post(id)).title).toBe('From Supabase')
    expect((await post(target)).editorNotes).toBe(`referenced by ${id}`)
  })
})

describe('locales', () => {
  it("a pull writes the mapper's locale (the default) only: the other locales keep their values", async () => {
    const id = await publishNew({ excerpt: 'An excerpt' })
    await payload.update({
      collection: 'posts',
      id,
      locale: 'de',
      data: { title: 'Hallo', excerpt: 'Ein Auszug' },
    })
    await app.idle()
    await app.supabase.query(
      `update public.posts set title = 'From Supabase', excerpt = null where id = $1`,
      [id],
    )
    const result = await pullFromSupabase(payload, { collection: 'posts', ids: [id] })
    expect(result.pulled).toEqual([{ id, fields: ['title', 'excerpt'] }])
    expect(await post(id, 'en')).toMatchObject({ title: 'From Supabase' })
    expect((await post(id, 'en')).excerpt ?? null).toBeNull()
    expect(await post(id, 'de')).toMatchObject({ title: 'Hallo', excerpt: 'Ein Auszug' })
  })
})
