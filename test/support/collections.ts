/** Test configurations shared by in-process apps and child processes. */
import type { CollectionConfig, Config } from 'payload'
import { Posts, postsLocalization, postsSync } from '../../dev/collections/posts.js'
import type { DevConfigOptions } from '../../dev/config.js'
import { Dealers, dealerMapper } from '../../src/index.js'

/** The ready Dealers plus a field the mapper does not read (a save of it alone changes no row). */
export const DealersWithNotes: CollectionConfig = {
  ...Dealers,
  fields: [...Dealers.fields, { name: 'notes', type: 'text' }],
}

/** Dealers with notes, and posts (drafts, trash, two locales), both synced; short retries. */
export const convergenceConfig: Partial<DevConfigOptions> = {
  collections: [DealersWithNotes, Posts],
  sync: {
    collections: { dealers: { table: 'dealers', mapper: dealerMapper }, ...postsSync },
    queue: { backoff: 20, maxBackoff: 200, sweepInterval: 100 },
    retry: { retries: 1, minTimeout: 5, maxTimeout: 20 },
    // Rows edited in Supabase directly are reverted by the watch: the invariant needs no operator.
    realtime: true,
  },
  extend: (config: Config) => ({ ...config, localization: postsLocalization }),
}
