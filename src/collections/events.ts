import type { CollectionConfig, PayloadRequest } from 'payload'
import { eventAfterRead } from '../ops/event-view.js'

export const eventsSlug = 'supabase-sync-events'

export const eventActions = [
  'validate',
  'sync',
  'retry',
  'reset',
  'pull',
  'reconcile',
  'conflict',
  'alert',
  'external-change',
  'delivery',
] as const
export type EventAction = (typeof eventActions)[number]

export const eventOutcomes = [
  'ok',
  'drift',
  'failed',
  'refused',
  'started',
  'cancelled',
  'firing',
  'resolved',
] as const
export type EventOutcome = (typeof eventOutcomes)[number]

/**
 * The audit trail: every operator action (also refused and failed ones) and every conflict found.
 * Written by the plugin only (never through any API); readable by users with the plugin's `read` right.
 */
export function syncEventsCollection(
  read: (args: { req: PayloadRequest }) => boolean | Promise<boolean>,
): CollectionConfig {
  return {
    ...SyncEvents,
    access: {
      read: async ({ req }) => Boolean(req.user) && (await read({ req })) === true,
      create: () => false,
      update: () => false,
      delete: () => false,
    },
  }
}

/** The audit collection with the default read access: users of the admin's user collection. */
export const SyncEvents: CollectionConfig = {
  slug: eventsSlug,
  labels: { singular: 'Sync event', plural: 'Sync events' },
  admin: {
    group: 'Supabase sync',
    useAsTitle: 'summary',
    defaultColumns: ['createdAt', 'action', 'collectionSlug', 'outcome', 'user', 'summary'],
    description:
      'Audit trail of Supabase sync operations and conflicts (written by the plugin, read-only).',
  },
  // Values and failure causes of documents the reading user may not read are replaced (event-view.ts).
  hooks: { afterRead: [eventAfterRead] },
  access: {
    read: ({ req }) =>
      Boolean(
        req.user &&
        (req.user as { collection?: string }).collection === req.payload.config.admin.user,
      ),
    create: () => false,
    update: () => false,
    delete: () => false,
  },
  fields: [
    {
      name: 'action',
      type: 'select',
      required: true,
      index: true,
      options: eventActions.map((value) => ({ label: value, value })),
    },
    { name: 'collectionSlug', label: 'Collection', type: 'text', index: true },
    {
      name: 'outcome',
      type: 'select',
      options: eventOutcomes.map((value) => ({ label: value, value })),
    },
    { name: 'summary', type: 'text' },
    {
      name: 'user',
      type: 'text',
      admin: {
        description: 'Who ran it: user collection, id and email; "system" for startup and hooks',
      },
    },
    {
      name: 'source',
      type: 'select',
      options: [
        'api',
        'endpoint',
        'bin',
        'startup',
        'queue',
        'schedule',
        'monitor',
        'realtime',
      ].map((value) => ({ label: value, value })),
    },
    { name: 'ids', type: 'json', admin: { description: 'Document ids concerned' } },
    { name: 'fields', type: 'json', admin: { description: 'Differing fields per id' } },
    { name: 'details', type: 'json' },
  ],
  timestamps: true,
}
