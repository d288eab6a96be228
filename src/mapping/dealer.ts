/**
 * The dealers mapping: the seed's Data Mapping table, plus `updated_at` (the document's updatedAt).
 * The table's `sync_version` column is the plugin's, not the mapping's.
 */
import { z } from 'zod'
import { defineMapper, type Doc } from './types.js'

export const dealerPlatforms = ['homenet', 'dealer_com', 'vinsolutions', 'custom'] as const

const jsonObject = z.record(z.string(), z.unknown())
/** Payload timestamps (`...Z`) and PostgreSQL's rendering (`...+00:00`) both pass. */
const timestamp = z.iso.datetime({ offset: true })

export const dealerApiConfigSchema = z.object({
  platforms: z.array(z.enum(dealerPlatforms)),
  homenet_config: jsonObject,
  dealer_com_config: jsonObject.nullable(),
  vinsolutions_config: jsonObject.nullable(),
  custom_config: jsonObject.nullable(),
  utm_config: jsonObject.nullable(),
})

export const dealerRowSchema = z.object({
  // guid: any uuid PostgreSQL takes (uuid() refuses ids outside RFC 9562's versions, e.g. md5(…)::uuid).
  id: z.guid({ error: 'must be a UUID (configure postgresAdapter({ idType: "uuid" }))' }),
  name: z.string().trim().min(1, { error: 'is required' }),
  slug: z.string().trim().min(1, { error: 'is required' }),
  domain: z.string().nullable(),
  rooftop_id: z.string().nullable(),
  api_config: dealerApiConfigSchema,
  created_at: timestamp,
  updated_at: timestamp.nullable(),
})

export type DealerRow = z.infer<typeof dealerRowSchema>
export type DealerApiConfig = z.infer<typeof dealerApiConfigSchema>

/** The fields of a dealer document that the mapping reads (Payload returns more). */
export interface DealerDoc extends Doc {
  id: string
  name?: string | null
  slug?: string | null
  domain?: string | null
  platforms?: string[] | null
  homenet_config?: ({ rooftop_id?: string | null } & Record<string, unknown>) | null
  dealer_com_config?: Record<string, unknown> | null
  vinsolutions_config?: Record<string, unknown> | null
  custom_config?: Record<string, unknown> | null
  utm_config?: Record<string, unknown> | null
  createdAt?: string
  updatedAt?: string
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value)
/** Empty strings from the admin's text inputs mean "no value", as null does in Supabase. */
const text = (value: string | null | undefined): string | null =>
  value == null || value === '' ? null : value

export const dealerMapper = defineMapper<DealerDoc, DealerRow>({
  rowSchema: dealerRowSchema as z.ZodType<DealerRow>,
  idType: 'uuid',
  updatedAtColumn: 'updated_at',
  select: {
    name: true,
    slug: true,
    domain: true,
    platforms: true,
    homenet_config: true,
    dealer_com_config: true,
    vinsolutions_config: true,
    custom_config: true,
    utm_config: true,
    createdAt: true,
    updatedAt: true,
  },
  readOnlyColumns: ['id', 'created_at', 'updated_at'],
  toRow(doc) {
    return {
      id: String(doc.id),
      name: doc.name ?? '',
      slug: doc.slug ?? '',
      domain: text(doc.domain),
      rooftop_id: text(doc.homenet_config?.rooftop_id),
      api_config: {
        platforms: (doc.platforms ?? []) as DealerApiConfig['platforms'],
        homenet_config: doc.homenet_config ?? {},
        dealer_com_config: orNull(doc.dealer_com_config),
        vinsolutions_config: orNull(doc.vinsolutions_config),
        custom_config: orNull(doc.custom_config),
        utm_config: orNull(doc.utm_config),
      },
      created_at: doc.createdAt ?? '',
      updated_at: orNull(doc.updatedAt),
    }
  },
  fromRow(row) {
    const config = row.api_config
    return {
      name: row.name,
      slug: row.slug,
      domain: row.domain,
      platforms: config.platforms,
      homenet_config: { ...config.homenet_config, rooftop_id: row.rooftop_id },
      dealer_com_config: config.dealer_com_config,
      vinsolutions_config: config.vinsolutions_config,
      custom_config: config.custom_config,
      utm_config: config.utm_config,
    }
  },
})
