/**
 * Collections as Payload users configure them, on real Payload + the local stack: the dev app's
 * `posts` (drafts with autosave, trash, locales en/de; dev/collections/posts.ts) synced into
 * `public.posts` with the default-locale mapper and `shouldSync` (internal posts stay out).
 *
 * Supabase holds what `find({ draft: false })` returns — Payload's main document — when it is published,
 * not trashed, passes shouldSync and maps to a row. Saves that cannot change that queue no job.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Payload } from 'payload'
import {
  Posts,
  postMapper,
  postShouldSync,
  postsLocalization,
  type PostDoc,
} from '../dev/collections/posts.js'
import { defineMapper, pullFromSupabase, resetTable, type SyncJobInput } from '../src/index.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { compareNow, eventually, reconcileNow, startApp, type TestApp } from './support/app.js'

/** The posts mapper, with test hooks for bad input: slugs `null-…` map to null, `throw-…` throw, `bad-…` make an invalid row. */
const testPostMapper = defineMapper({
  ...postMapper,
  toRow(doc: PostDoc) {
    if (doc.slug?.startsWith('null-')) return null
    if (doc.slug?.startsWith('throw-'))
      throw Object.assign(new Error('cannot map this slug'), { field: 'slug' })
    const row = postMapper.toRow(doc)
    return row && doc.slug?.startsWith('bad-') ? { ...row, updated_at: 'yesterday' } : row
  },
})

let app: TestApp
let payload: Payload
const queued: SyncJobInput[] = []

beforeAll(async () => {
  app = await startApp({
    collections: [Posts],
    sync: {
      collections: {
        posts: { table: 'posts', mapper: testPostMapper as never, shouldSync: postShouldSync },
      },
    },
    extend: (config) => ({ ...config, localization: postsLocalization }),
  })
  payload = app.payload
  await app.idle()
  // Every job the hooks queue, whether or not it has run (and been deleted) by the time we look.
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
const slug = (prefix = 'post') => `${prefix}-${Date.now().toString(36)}-${++n}`
const jobsFor = (id: string | number) => queued.filter((j) => j.id === String(id))
const row = async (id: string | number) => (await app.rows('posts')).get(String(id))
const published = async (id: string | number) =>
  (
    await payload.find({
      collection: 'posts',
      where: { id: { equals: id } },
      draft: false,
      depth: 0,
    })
  ).docs[0] as PostDoc | undefined

/** Waits until delivery has caught up; then what is in Supabase is final. */
async function settled(): Promise<void> {
  await app.idle()
}

async function publishNew(data: Record<string, unknown> = {}): Promise<PostDoc> {
  const doc = (await payload.create({
    collection: 'posts',
    data: { title: 'Hello', slug: slug(), _status: 'published', ...data },
  })) as unknown as PostDoc
  await eventually(async () => expect(await row(doc.id)).toBeDefined())
  return doc
}

const trash = (id: string | number) =>
  payload.update({ collection: 'posts', id, data: { deletedAt: new Date().toISOString() } })
/** As the admin's Restore does: a bulk update over the trash, restoring as draft or as published. */
const restore = (id: string | number, status: 'draft' | 'published') =>
  payload.update({
    collection: 'posts',
    where: { and: [{ id: { equals: id } }, { deletedAt: { exists: true } }] },
    trash: true,
    data: { deletedAt: null, _status: status },
  })

describe('drafts: Supabase holds the published version only', () => {
  it('a draft-only post never reaches Supabase, and its saves queue nothing', async () => {
    const draft = await payload.create({
      collection: 'posts',
      data: { title: 'Draft', slug: slug() },
      draft: true,
    })
    // Without draft: true and without _status, Payload's default status is 'draft' too.
    const implicit = await payload.create({
      collection: 'posts',
      data: { title: 'Implicit draft', slug: slug() },
    })
    expect(implicit._status).toBe('draft')
    await payload.update({
      collection: 'posts',
      id: draft.id,
      data: { title: 'Draft 2' },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: draft.id,
      data: { title: 'Draft 3' },
      draft: true,
      autosave: true,
    })
    await settled()
    expect(jobsFor(draft.id)).toEqual([])
    expect(jobsFor(implicit.id)).toEqual([])
    expect(await row(draft.id)).toBeUndefined()
    expect(await row(implicit.id)).toBeUndefined()
  })

  it('publishing sends the row; draft saves and autosaves of the published post change nothing and queue nothing', async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'First', slug: slug() },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Published title', _status: 'published' },
    })
    const sent = await eventually(async () => {
      const r = await row(doc.id)
      expect(r?.title).toBe('Published title')
      return r!
    })
    queued.length = 0

    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Draft title' },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Autosaved title' },
      draft: true,
      autosave: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { excerpt: 'Autosaved excerpt' },
      draft: true,
      autosave: true,
    })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toEqual(sent)
    // What Payload itself says is published: the main document, untouched by the drafts.
    expect(await published(doc.id)).toMatchObject({
      title: 'Published title',
      _status: 'published',
    })

    // Publishing the draft sends it.
    await payload.update({ collection: 'posts', id: doc.id, data: { _status: 'published' } })
    await eventually(async () =>
      expect(await row(doc.id)).toMatchObject({
        title: 'Autosaved title',
        excerpt: 'Autosaved excerpt',
      }),
    )
  })

  it("unpublishing removes the row (the admin's Unpublish: a save with _status draft)", async () => {
    const doc = await publishNew()
    await payload.update({ collection: 'posts', id: doc.id, data: { _status: 'draft' } })
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
    // Publishing again sends it again.
    await payload.update({ collection: 'posts', id: doc.id, data: { _status: 'published' } })
    await eventually(async () => expect(await row(doc.id)).toBeDefined())
  })

  it('unpublishing while a draft is pending removes the row too', async () => {
    const doc = await publishNew()
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Pending draft' },
      draft: true,
    })
    await settled()
    expect(await row(doc.id)).toMatchObject({ title: 'Hello' })
    await payload.update({ collection: 'posts', id: doc.id, data: { _status: 'draft' } })
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
  })

  it('an update without draft: true over a pending draft unpublishes in Payload, and the row goes with it', async () => {
    // Payload writes the latest version (the pending draft, status draft) into the main document when
    // an update neither saves a draft nor publishes: the post is no longer published.
    const doc = await publishNew()
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Pending draft' },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { editorNotes: 'touched by a script' },
    })
    expect(await published(doc.id)).toMatchObject({ _status: 'draft' })
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
  })
})

describe('trash', () => {
  it('trashing removes the row, restoring as published sends it again, deleting for good from the trash is a no-op', async () => {
    const doc = await publishNew()
    await trash(doc.id)
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
    expect(await published(doc.id)).toBeUndefined()

    await restore(doc.id, 'published')
    await eventually(async () => expect(await row(doc.id)).toMatchObject({ title: 'Hello' }))

    await trash(doc.id)
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
    // The trash's delivery is over (its log line written) before the logs are looked at afresh.
    await settled()
    app.logs.clear()
    queued.length = 0
    await payload.delete({ collection: 'posts', id: doc.id, trash: true })
    await settled()
    expect(await row(doc.id)).toBeUndefined()
    // Queued (the document is gone), delivered as a delete of nothing, not as a failure.
    expect(jobsFor(doc.id)).toHaveLength(1)
    expect(
      app.logs.find((l) => l.id === String(doc.id) && l.op === 'delete' && l.outcome === 'deleted'),
    ).toHaveLength(1)
    expect(
      app.logs.find(
        (l) => l.id === String(doc.id) && (l.outcome === 'failed' || l.outcome === 'retry'),
      ),
    ).toEqual([])
  })

  it("restoring as a draft (the admin's default) keeps it out of Supabase", async () => {
    const doc = await publishNew()
    await trash(doc.id)
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
    await restore(doc.id, 'draft')
    await settled()
    expect(await row(doc.id)).toBeUndefined()
    await payload.update({ collection: 'posts', id: doc.id, data: { _status: 'published' } })
    await eventually(async () => expect(await row(doc.id)).toBeDefined())
  })

  it('trashing a post with a pending draft removes its row', async () => {
    const doc = await publishNew()
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Pending draft' },
      draft: true,
    })
    await trash(doc.id)
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
  })
})

describe('control', () => {
  it('context { supabaseSync: false } skips the sync of that operation', async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'Quiet', slug: slug(), _status: 'published' },
      context: { supabaseSync: false },
    })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toBeUndefined()
    // The next save without the flag sends it.
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Loud', _status: 'published' },
    })
    await eventually(async () => expect(await row(doc.id)).toMatchObject({ title: 'Loud' }))
    // And a flagged unpublish leaves Supabase alone.
    queued.length = 0
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { _status: 'draft' },
      context: { supabaseSync: false },
    })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toBeDefined()
  })

  it('shouldSync: a post that stops passing it is removed, one that starts passing it is sent', async () => {
    const internal = await payload.create({
      collection: 'posts',
      data: { title: 'Internal', slug: slug(), audience: 'internal', _status: 'published' },
    })
    await settled()
    expect(await row(internal.id)).toBeUndefined()

    await payload.update({
      collection: 'posts',
      id: internal.id,
      data: { audience: 'public', _status: 'published' },
    })
    await eventually(async () =>
      expect(await row(internal.id)).toMatchObject({ title: 'Internal' }),
    )

    await payload.update({
      collection: 'posts',
      id: internal.id,
      data: { audience: 'internal', _status: 'published' },
    })
    await eventually(async () => expect(await row(internal.id)).toBeUndefined())
  })

  it('a mapper returning null keeps a post out, and removes it when it starts returning null', async () => {
    const kept = await payload.create({
      collection: 'posts',
      data: { title: 'Null', slug: slug('null'), _status: 'published' },
    })
    await settled()
    expect(await row(kept.id)).toBeUndefined()

    const doc = await publishNew()
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { slug: slug('null'), _status: 'published' },
    })
    await eventually(async () => expect(await row(doc.id)).toBeUndefined())
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { slug: slug('back'), _status: 'published' },
    })
    await eventually(async () => expect(await row(doc.id)).toBeDefined())
  })

  it('a mapper that throws or makes an invalid row: the save succeeds, the error names collection, id and field', async () => {
    const throwing = await payload.create({
      collection: 'posts',
      data: { title: 'Throws', slug: slug('throw'), _status: 'published' },
    })
    const invalid = await payload.create({
      collection: 'posts',
      data: { title: 'Invalid', slug: slug('bad'), _status: 'published' },
    })
    // The saves went through.
    expect(await published(throwing.id)).toMatchObject({ _status: 'published' })
    expect(await published(invalid.id)).toMatchObject({ _status: 'published' })
    const failure = (id: string | number) =>
      app.logs.find((l) => l.id === String(id) && l.outcome === 'failed')[0]
    const thrown = await eventually(async () => {
      const line = failure(throwing.id)
      expect(line).toBeDefined()
      return line
    })
    expect(thrown).toMatchObject({ collection: 'posts', field: 'slug' })
    expect(thrown.msg).toContain(`posts ${throwing.id}`)
    expect(thrown.msg).toContain('field "slug"')
    const bad = await eventually(async () => {
      const line = failure(invalid.id)
      expect(line).toBeDefined()
      return line
    })
    expect(bad).toMatchObject({ collection: 'posts', field: 'updated_at' })
    expect(bad.msg).toContain(`posts ${invalid.id}: field "updated_at" is invalid`)
    expect(await row(throwing.id)).toBeUndefined()
    expect(await row(invalid.id)).toBeUndefined()
    // Permanent: the job is cancelled at once, not retried.
    expect(app.logs.find((l) => l.id === String(throwing.id) && l.outcome === 'retry')).toEqual([])
  })
})

describe('unchanged rows are not sent', () => {
  it('a save of a field that is not synced queues nothing (published, with or without _status)', async () => {
    const doc = await publishNew()
    const before = await row(doc.id)
    queued.length = 0
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { editorNotes: 'note 1', _status: 'published' },
    })
    await payload.update({ collection: 'posts', id: doc.id, data: { editorNotes: 'note 2' } })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toEqual(before)
    // A synced field is sent.
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { excerpt: 'Now with an excerpt' },
    })
    expect(jobsFor(doc.id)).toHaveLength(1)
    await eventually(async () =>
      expect(await row(doc.id)).toMatchObject({ excerpt: 'Now with an excerpt' }),
    )
  })

  it('saves of a draft-only post queue nothing', async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { title: 'Draft', slug: slug() },
      draft: true,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { editorNotes: 'x' },
      draft: true,
    })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
  })
})

describe('localization: the default locale by default', () => {
  it('maps the default locale; a save in another locale changes nothing in Supabase and queues nothing', async () => {
    const doc = await publishNew({ title: 'Hello', excerpt: 'In English' })
    const before = await row(doc.id)
    expect(before).toMatchObject({ title: 'Hello', excerpt: 'In English', translations: null })
    queued.length = 0
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { title: 'Hallo', excerpt: 'Auf Deutsch', _status: 'published' },
    })
    await settled()
    expect(jobsFor(doc.id)).toEqual([])
    expect(await row(doc.id)).toEqual(before)
    // A non-localized field saved from the German form is sent.
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      data: { slug: slug('renamed'), _status: 'published' },
    })
    expect(jobsFor(doc.id)).toHaveLength(1)
    await eventually(async () => expect(String((await row(doc.id))?.slug)).toMatch(/^renamed-/))
    expect(await row(doc.id)).toMatchObject({ title: 'Hello', excerpt: 'In English' })
  })
})

describe('reconcile', () => {
  it('reports nothing when drafts and trashed posts differ from Supabase only in what must not be there', async () => {
    const ids: string[] = []
    const keep = await publishNew({ title: 'Published' })
    ids.push(String(keep.id))
    const pending = await publishNew({ title: 'Published, draft pending' })
    await payload.update({
      collection: 'posts',
      id: pending.id,
      data: { title: 'The pending draft' },
      draft: true,
    })
    ids.push(String(pending.id))
    const draftOnly = await payload.create({
      collection: 'posts',
      data: { title: 'Only a draft', slug: slug() },
      draft: true,
    })
    ids.push(String(draftOnly.id))
    const trashed = await publishNew({ title: 'Trashed' })
    await trash(trashed.id)
    ids.push(String(trashed.id))
    const unpublished = await publishNew({ title: 'Unpublished' })
    await payload.update({ collection: 'posts', id: unpublished.id, data: { _status: 'draft' } })
    ids.push(String(unpublished.id))
    const internal = await payload.create({
      collection: 'posts',
      data: { title: 'Internal', slug: slug(), audience: 'internal', _status: 'published' },
    })
    ids.push(String(internal.id))
    await settled()

    const summary = await compareNow(payload, 'posts', ids)
    expect(summary.diff).toMatchObject({ missing: [], extra: [], changed: [] })
    expect(summary.failed).toEqual([])
    expect(summary.unchanged).toBe(2)
    expect(summary.scanned).toBe(5) // the trashed post is not even read

    // A row left behind for a trashed post (its trash skipped the sync) is an orphan, and goes.
    const left = await publishNew({ title: 'Trashed quietly' })
    await payload.update({
      collection: 'posts',
      id: left.id,
      data: { deletedAt: new Date().toISOString() },
      context: { supabaseSync: false },
    })
    await settled()
    expect(await row(left.id)).toBeDefined()
    const dry = await compareNow(payload, 'posts', [...ids, String(left.id)])
    expect(dry.diff).toMatchObject({ missing: [], extra: [String(left.id)], changed: [] })
    const repaired = await reconcileNow(payload, 'posts', { ids: [...ids, String(left.id)] })
    expect(repaired.deleted).toBe(1)
    // Counted as the difference it was (the startup reconcile records drift by these counts).
    expect(repaired.differences.extra).toBe(1)
    expect(repaired.diff.extra).toEqual([String(left.id)])
    expect(await row(left.id)).toBeUndefined()
  })

  it('a reset deletes the row of a document that maps to none (unpublished, internal), as a sync does', async () => {
    // Rows left behind by saves that skipped the sync: the documents exist, but belong out of Supabase.
    const unpublished = await publishNew({ title: 'Unpublished quietly' })
    await payload.update({
      collection: 'posts',
      id: unpublished.id,
      data: { _status: 'draft' },
      context: { supabaseSync: false },
    })
    const internal = await publishNew({ title: 'Internal quietly' })
    await payload.update({
      collection: 'posts',
      id: internal.id,
      data: { audience: 'internal' },
      context: { supabaseSync: false },
    })
    await settled()
    const ids = [String(unpublished.id), String(internal.id)]
    for (const id of ids) expect(await row(id)).toBeDefined()

    const reset = await resetTable(payload, { collection: 'posts', confirm: true })
    // (The posts earlier tests made unmappable on purpose fail, as they must; not these.)
    for (const failure of reset.sync.failed) expect(failure.field).toMatch(/slug|updated_at/)
    for (const id of ids) expect(await row(id)).toBeUndefined()
    const check = await compareNow(payload, 'posts', ids)
    expect(check.diff).toMatchObject({ missing: [], extra: [], changed: [] })
  })
})

describe('pull', () => {
  it('a draft saved while a pull runs is not published by it: the pull fails for that post', async () => {
    const doc = await publishNew({ title: 'Published title' })
    await settled()
    await app.supabase.query(`update public.posts set title = 'From Supabase' where id = $1`, [
      doc.id,
    ])
    // The pull is held right after its check for a pending draft (at its next read, of what was
    // last delivered), and an editor saves a draft meanwhile.
    const state = getRuntime(payload).state
    const get = state.get.bind(state)
    let arrived!: () => void
    const inPull = new Promise<void>((resolve) => (arrived = resolve))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    state.get = async (keys) => {
      state.get = get
      arrived()
      await gate
      return get(keys)
    }
    const pulling = pullFromSupabase(payload, { collection: 'posts', ids: [String(doc.id)] })
    await inPull
    await payload.update({
      collection: 'posts',
      id: doc.id,
      data: { title: 'Unfinished draft' },
      draft: true,
    })
    release()
    const result = await pulling
    expect(result.pulled).toEqual([])
    expect(result.failed.map((f) => f.message)).toEqual([
      expect.stringMatching(/a draft was saved/),
    ])
    expect((await published(doc.id))?.title).toBe('Published title')
    const latest = (await payload.findByID({
      collection: 'posts',
      id: doc.id,
      draft: true,
      depth: 0,
    })) as unknown as PostDoc & { _status?: string }
    expect(latest).toMatchObject({ title: 'Unfinished draft', _status: 'draft' })
  })
})
