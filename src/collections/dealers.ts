import type { CollectionConfig } from 'payload'
import { dealerPlatforms } from '../mapping/dealer.js'

const platformLabels: Record<(typeof dealerPlatforms)[number], string> = {
  homenet: 'HomeNet',
  dealer_com: 'Dealer.com',
  vinsolutions: 'VinSolutions',
  custom: 'Custom',
}

/**
 * A ready `dealers` collection with the seed's fields, for apps that have none. HomeNet's config is a
 * group (its `rooftop_id` is a column of its own in Supabase); the other platform configs are free-form
 * JSON objects, because their shape differs per dealer and the Data API reads them from `api_config`.
 */
export const Dealers: CollectionConfig = {
  slug: 'dealers',
  admin: {
    useAsTitle: 'name',
    defaultColumns: ['name', 'slug', 'domain', 'platforms', 'updatedAt'],
  },
  fields: [
    { name: 'name', type: 'text', required: true },
    { name: 'slug', type: 'text', required: true, unique: true, index: true },
    { name: 'domain', type: 'text' },
    {
      name: 'platforms',
      type: 'select',
      hasMany: true,
      options: dealerPlatforms.map((value) => ({ label: platformLabels[value], value })),
    },
    {
      name: 'homenet_config',
      type: 'group',
      fields: [
        { name: 'rooftop_id', type: 'text', admin: { description: 'HomeNet rooftop ID (its own column in Supabase)' } },
        { name: 'feed_url', type: 'text' },
      ],
    },
    { name: 'dealer_com_config', type: 'json' },
    { name: 'vinsolutions_config', type: 'json' },
    { name: 'custom_config', type: 'json' },
    { name: 'utm_config', type: 'json' },
  ],
  timestamps: true,
}
