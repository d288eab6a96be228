/**
 * The dev app's `posts`: a collection as Payload users configure them — drafts with autosave, trash,
 * and two locales (en, the default, and de) — synced into its own table, `public.posts`
 * (dev/sql/003_posts.sql). An example of a mapper of your own, in both localization modes:
 *
 * - `postMapper` maps the default locale (the mapper's default): toRow gets `title: 'Hello'`.
 * - `postMapperAllLocales` asks for every locale (`locale: 'all'`): toRow gets `title: { en, de }`,
 *   writes the default locale to `title`/`excerpt` and every locale to `translations`.
 */
import type { CollectionConfig, LocalizationConfig } from 'payload'
import { z } from 'zod'
import { defineMapper, type Doc } from '../../src/index.js'

export const postLocales = ['en', 'de'] as const
export type PostLocale = (typeof postLocales)[number]

/** The config-level localization the posts need (Payload localizes per config, not per collection). */
export const postsLocalization: LocalizationConfig = {
  locales: [
    { code: 'en', label: 'English' },
    { code: 'de', label: 'Deutsch' },
  ],
  defaultLocale: 'en',
  fallback: true,
}

export const Posts: CollectionConfig = {
  slug: 'posts',
  admin: {
    useAsTitle: 'title',
    defaultColumns: ['title', 'slug', 'audience', '_status', 'updatedAt'],
  },
  // Supabase holds the published version only; drafts and autosaves stay in Payload.
  versions: { drafts: { autosave: { interval: 800 } }, maxPerDoc: 25 },
  // Moving a post to the trash removes its row; restoring it (as published) sends it again.
  trash: true,
  fields: [
    { name: 'title', type: 'text', required: true, localized: true },
    { name: 'slug', type: 'text', required: true, unique: true, index: true },
    { name: 'excerpt', type: 'textarea', localized: true },
    {
      name: 'audience',
      type: 'select',
      defaultValue: 'public',
      options: [
        { label: 'Public', value: 'public' },
        { label: 'Internal (not synced)', value: 'internal' },
      ],
      admin: {
        description: "Internal posts are kept out of Supabase (the plugin's shouldSync option).",
      },
    },
    // Not mapped: changing only this queues nothing.
    { name: 'editorNotes', type: 'textarea', admin: { description: 'For editors; not synced.' } },
  ],
  timestamps: true,
}

/** Posts whose audience is internal stay out of Supabase (and are removed when they become internal). */
export const postShouldSync = (doc: Doc): boolean => (doc as PostDoc).audience !== 'internal'

const timestamp = z.iso.datetime({ offset: true })
const translation = z.object({ title: z.string().nullable(), excerpt: z.string().nullable() })

export const postRowSchema = z.object({
  id: z.guid({ error: 'must be a UUID (configure postgresAdapter({ idType: "uuid" }))' }),
  slug: z.string().trim().min(1, { error: 'is required' }),
  title: z.string().trim().min(1, { error: 'is required' }),
  excerpt: z.string().nullable(),
  /** Every locale, when the mapper maps them all; null otherwise. */
  translations: z.record(z.string(), translation).nullable(),
  created_at: timestamp,
  updated_at: timestamp.nullable(),
})

export type PostRow = z.infer<typeof postRowSchema>

type Localized<T> = T | Partial<Record<string, T>>

/** The fields the mappings read: one locale (strings) or every locale (objects keyed by locale). */
export interface PostDoc extends Doc {
  id: string
  title?: Localized<string | null> | null
  slug?: string | null
  excerpt?: Localized<string | null> | null
  audience?: 'public' | 'internal' | null
  _status?: 'draft' | 'published' | null
  createdAt?: string
  updatedAt?: string
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null

/** The default locale: `title` and `excerpt` as they are in English. */
export const postMapper = defineMapper<PostDoc, PostRow>({
  rowSchema: postRowSchema as z.ZodType<PostRow>,
  idType: 'uuid',
  updatedAtColumn: 'updated_at',
  readOnlyColumns: ['id', 'translations', 'created_at', 'updated_at'],
  toRow(doc) {
    return {
      id: String(doc.id),
      slug: doc.slug ?? '',
      title: text(doc.title) ?? '',
      excerpt: text(doc.excerpt),
      translations: null,
      created_at: doc.createdAt ?? '',
      updated_at: doc.updatedAt ?? null,
    }
  },
  fromRow(row) {
    return { slug: row.slug, title: row.title, excerpt: row.excerpt }
  },
})

/**
 * Every locale: the document comes with `locale: 'all'` (`title: { en: 'Hello', de: 'Hallo' }`).
 * `title`/`excerpt` hold the default locale, `translations` every locale that has a title or excerpt.
 */
export function postMapperForLocales(defaultLocale: string = postsLocalization.defaultLocale) {
  const pick = (value: PostDoc['title'], locale: string): string | null =>
    value !== null && typeof value === 'object'
      ? text(value[locale])
      : locale === defaultLocale
        ? text(value)
        : null
  return defineMapper<PostDoc, PostRow>({
    rowSchema: postRowSchema as z.ZodType<PostRow>,
    idType: 'uuid',
    updatedAtColumn: 'updated_at',
    readOnlyColumns: ['id', 'translations', 'created_at', 'updated_at'],
    locale: 'all',
    toRow(doc) {
      if (typeof doc.title === 'string') {
        // A document read in one locale would silently lose the others: refuse it, naming the field.
        throw Object.assign(
          new Error('expected every locale ({ en, de }); the document was read in one locale'),
          { field: 'title' },
        )
      }
      const locales = new Set([
        ...Object.keys(doc.title ?? {}),
        ...Object.keys(typeof doc.excerpt === 'object' && doc.excerpt ? doc.excerpt : {}),
      ])
      const translations: Record<string, { title: string | null; excerpt: string | null }> = {}
      for (const locale of [...locales].sort()) {
        const entry = { title: pick(doc.title, locale), excerpt: pick(doc.excerpt, locale) }
        if (entry.title !== null || entry.excerpt !== null) translations[locale] = entry
      }
      return {
        id: String(doc.id),
        slug: doc.slug ?? '',
        title: pick(doc.title, defaultLocale) ?? '',
        excerpt: pick(doc.excerpt, defaultLocale),
        translations,
        created_at: doc.createdAt ?? '',
        updated_at: doc.updatedAt ?? null,
      }
    },
    fromRow(row) {
      // The pull writes one locale (the default); translations are read-only.
      return { slug: row.slug, title: row.title, excerpt: row.excerpt }
    },
  })
}

export const postMapperAllLocales = postMapperForLocales()

/** The plugin's options for posts: `collections: { ...postsSync }`. */
export const postsSync = {
  posts: { table: 'posts', mapper: postMapper, shouldSync: postShouldSync },
}
