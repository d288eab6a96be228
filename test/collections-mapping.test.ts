/**
 * The pure parts of the collection rules: what belongs in Supabase by Payload's state (drafts, trash),
 * shouldSync folded into the mapper, mapping errors that name the field, and the posts mappers.
 */
import { describe, expect, it } from 'vitest'
import {
  postMapper,
  postMapperAllLocales,
  postShouldSync,
  type PostDoc,
} from '../dev/collections/posts.js'
import { MappingError } from '../src/index.js'
import { mapDocument, withShouldSync } from '../src/mapping/validate.js'
import { belongsInSupabase, isPublished } from '../src/documents.js'
import type { SyncedCollection } from '../src/synced.js'

const id = '2b7c1f39-8a59-4c41-9a51-0d6a8f0c2e11'
const doc: PostDoc = {
  id,
  title: 'Hello',
  slug: 'hello',
  excerpt: null,
  audience: 'public',
  _status: 'published',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
}
const collection = (drafts: boolean): SyncedCollection => ({
  slug: 'posts',
  drafts,
  watch: false,
  pageSize: 1000,
  selection: { unselected: [] },
  mapper: postMapper as never,
  spec: { collection: 'posts', table: 'posts', primaryKey: 'id', versionColumn: 'sync_version' },
})

describe('belongsInSupabase', () => {
  it('keeps drafts and trashed documents out', () => {
    expect(belongsInSupabase(collection(true), doc)).toBe(true)
    expect(belongsInSupabase(collection(true), { ...doc, _status: 'draft' })).toBe(false)
    // A document created without a status in a drafts collection is a draft (Payload's default).
    expect(belongsInSupabase(collection(true), { ...doc, _status: undefined })).toBe(false)
    expect(
      belongsInSupabase(collection(true), { ...doc, deletedAt: '2026-01-03T00:00:00.000Z' }),
    ).toBe(false)
    // Without drafts the status means nothing.
    expect(belongsInSupabase(collection(false), { ...doc, _status: undefined })).toBe(true)
    expect(
      belongsInSupabase(collection(false), { ...doc, deletedAt: '2026-01-03T00:00:00.000Z' }),
    ).toBe(false)
  })
  it('reads a per-locale status (locale: all) as published when any locale is', () => {
    expect(isPublished({ id, _status: { en: 'published', de: 'draft' } })).toBe(true)
    expect(isPublished({ id, _status: { en: 'draft' } })).toBe(false)
  })
})

describe('shouldSync is part of the mapper', () => {
  it('a document it refuses maps to null, like a mapper returning null', () => {
    const mapper = withShouldSync(postMapper as never, postShouldSync)
    expect(mapDocument('posts', mapper, doc)).toMatchObject({ id, title: 'Hello' })
    expect(mapDocument('posts', mapper, { ...doc, audience: 'internal' })).toBeNull()
    expect(withShouldSync(postMapper as never, undefined)).toBe(postMapper)
  })
  it('a shouldSync that throws is a mapping error of that document, naming it', () => {
    const mapper = withShouldSync(postMapper as never, () => {
      throw new Error('no audience')
    })
    const err = mapDocument('posts', mapper, doc) as MappingError
    expect(err).toBeInstanceOf(MappingError)
    expect(err).toMatchObject({ collection: 'posts', id, field: '(shouldSync)' })
    expect(err.message).toContain(`posts ${id}`)
    expect(err.message).toContain('no audience')
  })
})

describe('mapping errors name collection, id and field', () => {
  it('a thrown error with a field property', () => {
    const mapper = {
      ...postMapper,
      toRow: () => {
        throw Object.assign(new Error('bad title'), { field: 'title' })
      },
    }
    const err = mapDocument('posts', mapper as never, doc) as MappingError
    expect(err).toMatchObject({ collection: 'posts', id, field: 'title' })
    expect(err.message).toBe(`posts ${id}: the mapper failed on field "title": bad title`)
  })
  it('a zod error thrown by a mapper that parses for itself', async () => {
    const { z } = await import('zod')
    const mapper = {
      ...postMapper,
      toRow: () => z.object({ slug: z.string().min(3) }).parse({ slug: 'x' }),
    }
    const err = mapDocument('posts', mapper as never, doc) as MappingError
    expect(err.field).toBe('slug')
  })
  it('an invalid row', () => {
    const err = mapDocument('posts', postMapper as never, { ...doc, title: '' }) as MappingError
    expect(err).toMatchObject({ collection: 'posts', id, field: 'title' })
    expect(err.message).toContain('field "title" is invalid')
  })
})

describe('the posts mappers', () => {
  it('default locale: the document as read in the default locale', () => {
    expect(postMapper.toRow(doc)).toEqual({
      id,
      slug: 'hello',
      title: 'Hello',
      excerpt: null,
      translations: null,
      created_at: doc.createdAt,
      updated_at: doc.updatedAt,
    })
  })
  it('every locale: default-locale columns plus translations', () => {
    const row = postMapperAllLocales.toRow({
      ...doc,
      title: { en: 'Hello', de: 'Hallo' },
      excerpt: { de: 'Nur Deutsch' },
    })
    expect(row).toMatchObject({
      title: 'Hello',
      excerpt: null,
      translations: {
        en: { title: 'Hello', excerpt: null },
        de: { title: 'Hallo', excerpt: 'Nur Deutsch' },
      },
    })
    expect(postMapperAllLocales.locale).toBe('all')
  })
  it('every locale: a document read in one locale is refused, naming the field', () => {
    const err = mapDocument('posts', postMapperAllLocales as never, doc) as MappingError
    expect(err).toMatchObject({ field: 'title' })
  })
})
