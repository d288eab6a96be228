/** Test configurations shared by in-process apps and child processes. */
import type { CollectionConfig, Config } from 'payload'
import { z } from 'zod'
import { Posts, postsLocalization, postsSync } from '../../dev/collections/posts.js'
import type { DevConfigOptions } from '../../dev/config.js'
import { Dealers, dealerMapper, defineMapper } from '../../src/index.js'

/** The ready Dealers plus a field the mapper does not read (a save of it alone changes no row). */
export const DealersWithNotes: CollectionConfig = {
  ...Dealers,
  fields: [...Dealers.fields, { name: 'notes', type: 'text' }],
}

/** A collection with text ids (given on create), synced into `public.codes`. */
export const Codes: CollectionConfig = {
  slug: 'codes',
  fields: [
    { name: 'id', type: 'text', required: true },
    { name: 'label', type: 'text', required: true },
  ],
}

interface CodeDoc {
  id: string
  label?: string | null
  updatedAt?: string
  [key: string]: unknown
}
const codeRow = z.object({ id: z.string(), label: z.string(), updated_at: z.string() })

export const codeMapper = defineMapper<CodeDoc, z.infer<typeof codeRow>>({
  rowSchema: codeRow,
  idType: 'text',
  updatedAtColumn: 'updated_at',
  toRow: (doc) => ({ id: String(doc.id), label: doc.label ?? '', updated_at: doc.updatedAt ?? '' }),
})

/**
 * Its table, in another collation than the embedded PostgreSQL's C: ICU's en-US orders `a-0`, `A-1`,
 * `a-2` (case second), C all upper case first — the scan's key ranges fall differently on each side.
 */
export const codesTableSql = `create table public.codes (id text collate "en-US-x-icu" primary key, label text not null, updated_at timestamptz, sync_version bigint);
grant select, insert, update, delete on table public.codes to service_role;`

/**
 * Dealers with notes, posts (drafts, trash, two locales), and codes (text ids), all synced; short
 * retries; scan pages of a few documents, so that reconciles cross page and read boundaries while
 * documents are created and deleted in and between them.
 */
export const convergenceConfig: Partial<DevConfigOptions> = {
  collections: [DealersWithNotes, Posts, Codes],
  sync: {
    collections: {
      dealers: { table: 'dealers', mapper: dealerMapper, pageSize: 5 },
      posts: { ...postsSync.posts, pageSize: 4 },
      codes: { table: 'codes', mapper: codeMapper as never, realtime: false, pageSize: 6 },
    },
    queue: { backoff: 20, maxBackoff: 200, sweepInterval: 100 },
    retry: { retries: 1, minTimeout: 5, maxTimeout: 20 },
    // Rows edited in Supabase directly are reverted by the watch: the invariant needs no operator.
    realtime: true,
  },
  extend: (config: Config) => ({ ...config, localization: postsLocalization }),
}

/** The same, with the dealers' direct edits taken into Payload (`onExternalChange: 'pull'`). */
export const convergencePullConfig: Partial<DevConfigOptions> = {
  ...convergenceConfig,
  sync: {
    ...convergenceConfig.sync,
    collections: {
      ...convergenceConfig.sync!.collections,
      dealers: { ...convergenceConfig.sync!.collections!.dealers!, onExternalChange: 'pull' },
    },
  },
}
