/**
 * Deleting a document that synced documents point to. PostgreSQL clears the references (`on delete
 * set null` on a relationship's column, the `_rels` row deleted) in the synced documents, and no hook
 * of theirs runs: the plugin finds them before the delete and queues them after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionConfig, Payload } from 'payload'
import { z } from 'zod'
import { defineMapper } from '../src/index.js'
import { compareNow, settled, startApp, type TestApp } from './support/app.js'

const Authors: CollectionConfig = {
  slug: 'authors',
  fields: [{ name: 'name', type: 'text', required: true }],
}

/** Synced: a single relationship, a hasMany one, one in an array, a polymorphic one, one in a block. */
const Articles: CollectionConfig = {
  slug: 'articles',
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'author', type: 'relationship', relationTo: 'authors' },
    { name: 'reviewers', type: 'relationship', relationTo: 'authors', hasMany: true },
    {
      name: 'credits',
      type: 'array',
      fields: [{ name: 'person', type: 'relationship', relationTo: 'authors' }],
    },
    { name: 'featured', type: 'relationship', relationTo: ['authors', 'articles'] },
    { name: 'editor', type: 'relationship', relationTo: 'authors', localized: true },
    {
      name: 'layout',
      type: 'blocks',
      blocks: [
        { slug: 'quote', fields: [{ name: 'by', type: 'relationship', relationTo: 'authors' }] },
      ],
    },
  ],
}

interface ArticleDoc {
  id: string
  title?: string
  author?: string | null
  reviewers?: string[] | null
  credits?: Array<{ person?: string | null }> | null
  featured?: { relationTo: string; value: string } | null
  layout?: Array<{ by?: string | null }> | null
  editor?: string | null
  [key: string]: unknown
}

const articleRow = z.object({
  id: z.string(),
  title: z.string(),
  author_id: z.string().nullable(),
  reviewer_ids: z.array(z.string()),
  credit_ids: z.array(z.string()),
  featured_id: z.string().nullable(),
  quote_ids: z.array(z.string()),
})

const articleMapper = defineMapper<ArticleDoc, z.infer<typeof articleRow>>({
  rowSchema: articleRow,
  idType: 'uuid',
  toRow: (doc) => ({
    id: String(doc.id),
    title: doc.title ?? '',
    author_id: doc.author ?? null,
    reviewer_ids: doc.reviewers ?? [],
    credit_ids: (doc.credits ?? []).flatMap((c) => (c.person ? [c.person] : [])),
    featured_id: doc.featured?.value ?? null,
    quote_ids: (doc.layout ?? []).flatMap((b) => (b.by ? [b.by] : [])),
  }),
})

const articlesTableSql = `create table public.articles (id uuid primary key, title text not null, author_id uuid,
  reviewer_ids jsonb not null, credit_ids jsonb not null, featured_id uuid, quote_ids jsonb not null,
  sync_version bigint);
grant select, insert, update, delete on table public.articles to service_role;`

let app: TestApp
let payload: Payload

beforeAll(async () => {
  app = await startApp({
    collections: [Authors, Articles],
    supabaseSql: articlesTableSql,
    sync: { collections: { articles: { table: 'articles', mapper: articleMapper as never } } },
    // Localized: the search for what points to a deleted author reads every locale.
    extend: (config) => ({
      ...config,
      localization: { locales: ['en', 'de'], defaultLocale: 'en', fallback: true },
    }),
  })
  payload = app.payload
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

const author = async (name: string) =>
  String((await payload.create({ collection: 'authors', data: { name } })).id)

async function article(a: string, b: string, c: string): Promise<string> {
  const doc = await payload.create({
    collection: 'articles',
    data: {
      title: 'Article',
      author: a,
      reviewers: [a, b],
      credits: [{ person: c }],
      featured: { relationTo: 'authors', value: c },
      layout: [{ blockType: 'quote', by: b }],
      editor: b,
    },
  })
  await settled(app)
  return String(doc.id)
}

async function inSync(id: string): Promise<Record<string, unknown> | undefined> {
  await settled(app)
  const { diff, failed } = await compareNow(payload, 'articles', [id])
  expect({ missing: diff.missing, changed: diff.changed, failed }).toEqual({
    missing: [],
    changed: [],
    failed: [],
  })
  return (await app.rows('articles')).get(id)
}

describe('a referenced document deleted', () => {
  it('by id: the references PostgreSQL cleared reach the row', async () => {
    const [a, b, c] = [await author('A'), await author('B'), await author('C')]
    const id = await article(a, b, c)
    await payload.delete({ collection: 'authors', id: a })
    const doc = (await payload.findByID({ collection: 'articles', id, depth: 0 })) as ArticleDoc
    expect([doc.author ?? null, doc.reviewers, doc.editor]).toEqual([null, [b], b])
    expect(await inSync(id)).toMatchObject({
      author_id: null,
      reviewer_ids: [b],
      credit_ids: [c],
      featured_id: c,
      quote_ids: [b],
    })
  })

  it('in bulk: every synced document pointing to one of them follows', async () => {
    const [a, b, c] = [await author('A'), await author('B'), await author('C')]
    const first = await article(a, b, c)
    const second = await article(c, a, b)
    await payload.delete({ collection: 'authors', where: { id: { in: [b, c] } } })
    expect(await inSync(first)).toMatchObject({
      author_id: a,
      reviewer_ids: [a],
      credit_ids: [],
      featured_id: null,
      quote_ids: [],
    })
    expect(await inSync(second)).toMatchObject({
      author_id: null,
      reviewer_ids: [a],
      credit_ids: [],
      featured_id: null,
      quote_ids: [a],
    })
  })

  it('an author nothing points to is deleted as before', async () => {
    const lone = await author('Lone')
    await payload.delete({ collection: 'authors', id: lone })
    await settled(app)
    expect(await payload.count({ collection: 'authors', where: { id: { equals: lone } } })).toEqual(
      { totalDocs: 0 },
    )
  })
})
