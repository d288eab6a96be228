/**
 * The dealers' per-platform JSON configs: a schema each, for the admin's editor and for Payload's
 * validation on save, and the validators that name the setting in their message.
 */
import { validations, type JSONField, type Validate } from 'payload'

type JsonSchema = NonNullable<JSONField['jsonSchema']>

/**
 * A JSON field's schema, for the admin's editor (Monaco marks what does not fit, completes the known
 * keys and shows their descriptions) and for Payload's validation on save. The editor's model is named
 * `uri?<random>`, so `fileMatch` takes any suffix.
 */
const configSchema = (name: string, schema: JsonSchema['schema']): JsonSchema => {
  const uri = `payload-plugin-supabase-sync://dealers/${name}.schema.json`
  return { uri, fileMatch: [uri, `${uri}*`], schema }
}

export const dealerConfigSchemas = {
  dealer_com_config: configSchema('dealer_com_config', {
    title: 'Dealer.com settings',
    description:
      "A JSON object with this dealer's Dealer.com settings; the keys differ per dealer.",
    type: 'object',
    properties: {
      account: { type: 'string', description: "The dealer's Dealer.com account name" },
      dealer_id: { type: 'string', description: "Dealer.com's ID of the dealer" },
      region: { type: 'string', description: 'Dealer.com region, e.g. us-east' },
    },
    additionalProperties: true,
  }),
  vinsolutions_config: configSchema('vinsolutions_config', {
    title: 'VinSolutions settings',
    description:
      "A JSON object with this dealer's VinSolutions settings; the keys differ per dealer.",
    type: 'object',
    properties: {
      dealerId: {
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        description: "VinSolutions' dealer ID (a number or a string)",
      },
    },
    additionalProperties: true,
  }),
  custom_config: configSchema('custom_config', {
    title: 'Custom platform settings',
    description:
      "A JSON object with the settings of this dealer's own inventory source; the keys differ per dealer.",
    type: 'object',
    properties: {
      endpoint: {
        type: 'string',
        pattern: '^https?://',
        description: 'Where the inventory is read from (http:// or https://)',
      },
      auth: { type: 'string', description: 'How to authenticate, e.g. none, basic, token' },
    },
    additionalProperties: true,
  }),
  utm_config: configSchema('utm_config', {
    title: 'UTM tracking',
    description: "UTM parameters added to links to this dealer's inventory.",
    type: 'object',
    properties: {
      source: { type: 'string', description: 'utm_source, e.g. dealer-site' },
      medium: { type: 'string', description: 'utm_medium, e.g. organic, cpc' },
      campaign: { type: 'string', description: 'utm_campaign' },
      term: { type: 'string', description: 'utm_term' },
      content: { type: 'string', description: 'utm_content' },
    },
    additionalProperties: { type: 'string' },
  }),
} satisfies Record<string, JsonSchema>

/**
 * A platform config: a JSON object (what `api_config` carries to the Data API) that fits its schema.
 * Payload validates only while the field is shown, i.e. while its platform is selected.
 */
export const validateConfig =
  (label: string): Validate =>
  (value, options) => {
    const { jsonError } = options as { jsonError?: unknown }
    if (jsonError !== undefined) return `${label}: this is not valid JSON.`
    if (value === null || value === undefined) return true
    if (typeof value !== 'object' || Array.isArray(value)) {
      return `${label} must be a JSON object such as {"key": "value"} (or empty), not ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}.`
    }
    const result = validations.json(value as never, options as never)
    return result === true
      ? true
      : `${label} do not fit their schema: ${String(result)
          .replace(/\bdata\//g, '')
          .replace(/\bdata\b/g, 'the object')}`
  }

/**
 * UTM tracking: the editor checks the schema, but a save only needs valid JSON. Not stricter on purpose
 * (for now): tests make an unmappable dealer with `utm_config: [...]` to exercise the mapper's
 * per-document error path (test/reliability, test/fallback, test/payload-runner). A non-object here is
 * refused by the mapper, which names the dealer and `api_config.utm_config`.
 */
export const validateUtm: Validate = (value, options) => {
  const { jsonError } = options as { jsonError?: unknown }
  return jsonError === undefined ? true : 'UTM tracking: this is not valid JSON.'
}
