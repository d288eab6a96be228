import {
  type CollectionConfig,
  type Condition,
  type FieldHook,
  type JSONField,
  type Validate,
} from 'payload'
import { dealerPlatforms } from '../mapping/dealer.js'
import { dealerConfigSchemas, validateConfig, validateUtm } from './dealer-configs.js'

export { dealerConfigSchemas } from './dealer-configs.js'

type DealerPlatform = (typeof dealerPlatforms)[number]

export const dealerPlatformLabels: Record<DealerPlatform, string> = {
  homenet: 'HomeNet',
  dealer_com: 'Dealer.com',
  vinsolutions: 'VinSolutions',
  custom: 'Custom',
}

/**
 * A slug from any text: lowercase ASCII letters and digits separated by single `-` ("Müller & Söhne
 * Autohaus" → "muller-and-sohne-autohaus"); '' when the text has no letter or digit.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/**
 * Why `value` is not a host name (RFC 1123: labels of letters, digits and `-`, at most 63 characters, not
 * starting or ending with `-`, 253 at most in all; the last label not all digits, so no IP addresses),
 * in words an editor can act on; undefined when it is one. Expects a trimmed, lowercase value.
 */
export function domainProblem(value: string): string | undefined {
  const example = 'e.g. northside-motors.com'
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(value))
    return `Enter the host name only, without "${value.slice(0, value.indexOf('//') + 2)}" (${example}).`
  if (/\s/.test(value)) return `A domain has no spaces (${example}).`
  if (/[/?#]/.test(value)) return `Enter the host name only, without a path (${example}).`
  if (value.includes('@'))
    return `Enter the website's host name, not an email address (${example}).`
  if (value.includes(':')) return `Enter the host name without a port (${example}).`
  let ascii = value
  if ([...value].some((ch) => ch.charCodeAt(0) > 0x7f)) {
    // An internationalised name (münchen-autos.de): checked in its ASCII (punycode) form.
    try {
      ascii = new URL(`http://${value}`).hostname
    } catch {
      return `"${value}" is not a valid host name (${example}).`
    }
  }
  if (ascii.length > 253) return 'A host name has at most 253 characters.'
  const labels = ascii.split('.')
  if (labels.some((label) => label === ''))
    return `A domain cannot start or end with "." or contain ".." (${example}).`
  for (const label of labels) {
    if (label.length > 63)
      return `Each part of a host name between dots has at most 63 characters ("${label.slice(0, 20)}…" is longer).`
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label)) {
      return `"${label}" is not allowed in a host name: use letters, digits and "-" (not at the start or end of a part) (${example}).`
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!))
    return `Enter a host name, not an IP address (${example}).`
  return undefined
}

const platformsOf = (data: Partial<Record<string, unknown>> | undefined): unknown[] =>
  Array.isArray(data?.platforms) ? (data.platforms as unknown[]) : []

/** Shows a platform's settings only while the platform is selected. Hidden settings keep their stored value. */
const whenPlatform =
  (platform: DealerPlatform): Condition =>
  (data) =>
    platformsOf(data).includes(platform)

// ---- slug ----------------------------------------------------------------------------------------

/**
 * `beforeValidate`: a slug that is typed is normalised; an empty one (or one with no letter or digit) is
 * made from the name. An update that does not send `slug` keeps the stored one, also when the name changes.
 */
const formatSlug: FieldHook = ({ data, operation, originalDoc, value }) => {
  const typed = typeof value === 'string' ? slugify(value) : ''
  if (typed) return typed
  if (operation === 'update' && value === undefined) return value
  const name = data?.name ?? originalDoc?.name
  const fromName = typeof name === 'string' ? slugify(name) : ''
  return fromName || value
}

/**
 * Runs twice: in the admin while the editor types (before the hook, so an empty slug is fine as long as
 * the name can make one), and on save after the hook.
 */
const validateSlug: Validate<string> = (value, { data }) => {
  if (typeof value === 'string' && slugify(value)) return true
  const name = (data as { name?: unknown } | undefined)?.name
  if (typeof name === 'string' && slugify(name)) return true
  return 'Enter a slug (letters or digits): the name has none to make one from.'
}

// ---- domain --------------------------------------------------------------------------------------

const normaliseDomain: FieldHook = ({ value }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value

const validateDomain: Validate<string> = (value) => {
  if (value == null) return true
  const domain = String(value).trim().toLowerCase()
  if (domain === '') return true
  return domainProblem(domain) ?? true
}

const validateFeedUrl: Validate<string> = (value) => {
  if (value == null || String(value).trim() === '') return true
  try {
    const url = new URL(String(value).trim())
    if (url.protocol === 'http:' || url.protocol === 'https:') return true
  } catch {
    // below
  }
  return "Enter the feed's full address, starting with https:// (e.g. https://feeds.homenet.example/rooftop.csv)."
}

const platformConfig = (
  name: 'dealer_com_config' | 'vinsolutions_config' | 'custom_config',
  platform: DealerPlatform,
  description: string,
): JSONField => ({
  name,
  type: 'json',
  label: `${dealerPlatformLabels[platform]} settings`,
  jsonSchema: dealerConfigSchemas[name],
  validate: validateConfig(`${dealerPlatformLabels[platform]} settings`),
  admin: { condition: whenPlatform(platform), description },
})

/**
 * A ready `dealers` collection with the seed's fields, for apps that have none. HomeNet's config is a
 * group (its `rooftop_id` is a column of its own in Supabase); the other platform configs are JSON
 * objects with a schema, because their shape differs per dealer and the Data API reads them from
 * `api_config`. A platform's settings show only while the platform is selected; hidden settings keep
 * their stored value and are still synced (see README, "Mapping (dealers)").
 */
export const Dealers: CollectionConfig = {
  slug: 'dealers',
  labels: { singular: 'Dealer', plural: 'Dealers' },
  admin: {
    useAsTitle: 'name',
    defaultColumns: ['name', 'slug', 'domain', 'platforms'],
    listSearchableFields: ['name', 'slug', 'domain'],
    description:
      "Dealerships and their inventory platforms. Every save is copied to Supabase's dealers table, which the vehicle Data API reads.",
  },
  fields: [
    {
      name: 'name',
      type: 'text',
      label: 'Name',
      required: true,
      admin: { description: 'The dealership as customers know it, e.g. Northside Motors.' },
    },
    {
      name: 'slug',
      type: 'text',
      label: 'Slug',
      required: true,
      unique: true,
      index: true,
      hooks: { beforeValidate: [formatSlug] },
      validate: validateSlug,
      admin: {
        description:
          'Identifies the dealer in URLs and in the Data API: lowercase letters, digits and "-". Leave it empty to make it from the name; what you type is tidied up the same way ("Northside Motors" → northside-motors).',
      },
    },
    {
      name: 'domain',
      type: 'text',
      label: 'Website domain',
      hooks: { beforeValidate: [normaliseDomain] },
      validate: validateDomain,
      admin: {
        description:
          "The host name of the dealer's website, without https:// or a path, e.g. northside-motors.com. Optional.",
      },
    },
    {
      name: 'platforms',
      type: 'select',
      label: 'Inventory platforms',
      hasMany: true,
      options: dealerPlatforms.map((value) => ({ label: dealerPlatformLabels[value], value })),
      admin: {
        description:
          "Where this dealer's inventory comes from; choose one or more. Each selected platform shows its settings below.",
        isClearable: true,
        isSortable: false,
      },
    },
    {
      name: 'homenet_config',
      type: 'group',
      label: 'HomeNet settings',
      admin: {
        condition: whenPlatform('homenet'),
        description: "This dealer's HomeNet inventory feed.",
      },
      fields: [
        {
          name: 'rooftop_id',
          type: 'text',
          label: 'Rooftop ID',
          admin: {
            description: "HomeNet's ID of this rooftop; also the rooftop_id column in Supabase.",
          },
        },
        {
          name: 'feed_url',
          type: 'text',
          label: 'Feed URL',
          validate: validateFeedUrl,
          admin: { description: 'The address of the HomeNet feed, starting with https://.' },
        },
      ],
    },
    platformConfig(
      'dealer_com_config',
      'dealer_com',
      'A JSON object with the Dealer.com settings, e.g. {"account": "northside", "region": "us-east"}; the keys differ per dealer.',
    ),
    platformConfig(
      'vinsolutions_config',
      'vinsolutions',
      'A JSON object with the VinSolutions settings, e.g. {"dealerId": 4711}; the keys differ per dealer.',
    ),
    platformConfig(
      'custom_config',
      'custom',
      'A JSON object with the settings of the dealer\'s own inventory source, e.g. {"endpoint": "https://…/inventory", "auth": "none"}.',
    ),
    {
      name: 'utm_config',
      type: 'json',
      label: 'UTM tracking',
      jsonSchema: dealerConfigSchemas.utm_config,
      validate: validateUtm,
      admin: {
        description:
          'UTM parameters for links to this dealer\'s inventory, as a JSON object: {"source": "…", "medium": "…", "campaign": "…"}. Optional.',
      },
    },
  ],
  timestamps: true,
}
