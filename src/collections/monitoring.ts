/**
 * The plugin's monitoring state in Payload (hidden; the plugin writes them): the state of each alert,
 * so that several app instances send each one once; and per-minute rollups for the console's charts.
 */
import type { CollectionConfig, PayloadRequest } from 'payload'

export const alertsSlug = 'supabase-sync-alerts'
export const rollupsSlug = 'supabase-sync-rollups'

type Read = (args: { req: PayloadRequest }) => boolean | Promise<boolean>

const readOnly = (read: Read): CollectionConfig['access'] => ({
  read: async ({ req }) => Boolean(req.user) && (await read({ req })) === true,
  create: () => false,
  update: () => false,
  delete: () => false,
})

export function alertsCollection(read: Read): CollectionConfig {
  return {
    slug: alertsSlug,
    labels: { singular: 'Sync alert', plural: 'Sync alerts' },
    admin: { hidden: true, group: 'Supabase sync' },
    access: readOnly(read),
    fields: [
      // The rule and its collection, e.g. `drift:dealers`.
      { name: 'id', type: 'text', required: true },
      { name: 'state', type: 'select', required: true, options: ['firing', 'resolved'] },
      { name: 'since', type: 'date', required: true },
      { name: 'lastSentAt', type: 'date', required: true },
      // When what the alert is about was last seen, by any instance (a rule that resolves after a
      // quiet time counts it from here: the instance that saw it may be gone).
      { name: 'lastSeenAt', type: 'date' },
      { name: 'summary', type: 'text' },
      { name: 'details', type: 'json' },
    ],
    timestamps: false,
  }
}

export function rollupsCollection(read: Read): CollectionConfig {
  return {
    slug: rollupsSlug,
    labels: { singular: 'Sync rollup', plural: 'Sync rollups' },
    admin: { hidden: true, group: 'Supabase sync' },
    access: readOnly(read),
    fields: [
      // `<minute ISO>|<collection>`
      { name: 'id', type: 'text', required: true },
      { name: 'minute', type: 'date', required: true, index: true },
      { name: 'collectionSlug', type: 'text', required: true },
      { name: 'deliveries', type: 'number', required: true, defaultValue: 0 },
      { name: 'failures', type: 'number', required: true, defaultValue: 0 },
      { name: 'requests', type: 'number', required: true, defaultValue: 0 },
      { name: 'pending', type: 'number', required: true, defaultValue: 0 },
      // Counts per lag bucket (upper bounds in ms, see monitoring/rollups.ts): percentiles across instances.
      { name: 'lag', type: 'json' },
    ],
    timestamps: false,
  }
}
