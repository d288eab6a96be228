import type { CollectionConfig } from 'payload'

export const stateSlug = 'supabase-sync-state'

/**
 * Per synced document, the fingerprint of the row last delivered to Supabase (see
 * mapping/fingerprint.ts): a save is compared with it, not with the save's own previous read. Written
 * by the plugin's delivery only, in the transaction that completes the document's jobs. Hidden; no API
 * access.
 */
export const SyncState: CollectionConfig = {
  slug: stateSlug,
  labels: { singular: 'Sync state', plural: 'Sync states' },
  admin: { hidden: true, group: 'Supabase sync' },
  access: {
    read: () => false,
    create: () => false,
    update: () => false,
    delete: () => false,
  },
  fields: [
    // The document's key (`collection:id`) is the id: one index, no generated id per row.
    { name: 'id', type: 'text', required: true, admin: { description: 'collection:id' } },
    { name: 'fingerprint', type: 'text', required: true },
    { name: 'syncedAt', type: 'date', required: true },
  ],
  timestamps: false,
}
