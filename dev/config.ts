/**
 * The dev app's Payload config, as a factory: `npm run dev`, the tests and the benches build it with
 * the local stack's addresses. Dealers + the plugin on @payloadcms/db-postgres with uuid ids.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { postgresAdapter } from '@payloadcms/db-postgres'
import { buildConfig, type CollectionConfig, type Config, type SanitizedConfig } from 'payload'
import { Dealers, supabaseSync, type SupabaseSyncOptions } from '../src/index.js'

const here = path.dirname(fileURLToPath(import.meta.url))

export interface DevConfigOptions {
  databaseUri: string
  supabaseUrl?: string
  serviceRoleKey?: string
  /** Extra plugin options (merged over the defaults). */
  sync?: Partial<SupabaseSyncOptions>
  /** Without the plugin at all (for benches that compare). */
  withoutPlugin?: boolean
  collections?: CollectionConfig[]
  secret?: string
  /** Connections of Payload's pool (20 by default). */
  poolMax?: number
  /** Extra config (hooks in tests, admin settings in the dev app). */
  extend?: (config: Config) => Config
}

export function devConfig(options: DevConfigOptions): Promise<SanitizedConfig> {
  let config: Config = {
    secret: options.secret ?? 'dev-secret-not-for-production-0123456789',
    collections: options.collections ?? [Dealers],
    db: postgresAdapter({
      pool: { connectionString: options.databaseUri, max: options.poolMax ?? 20 },
      idType: 'uuid',
      // Development pushes the schema; PAYLOAD_PUSH=false runs on migrations (PAYLOAD_MIGRATION_DIR), as production does.
      push: process.env.PAYLOAD_PUSH !== 'false',
      ...(process.env.PAYLOAD_MIGRATION_DIR
        ? { migrationDir: process.env.PAYLOAD_MIGRATION_DIR }
        : {}),
    }),
    typescript: { outputFile: path.resolve(here, 'payload-types.ts'), autoGenerate: false },
    telemetry: false,
    plugins: options.withoutPlugin
      ? []
      : [
          supabaseSync({
            // Without both, the plugin reads SUPABASE_URL / SUPABASE_SERVICE_ROLE_KEY and names what is missing.
            ...(options.supabaseUrl && options.serviceRoleKey
              ? { supabase: { url: options.supabaseUrl, serviceRoleKey: options.serviceRoleKey } }
              : {}),
            ...options.sync,
          }),
        ],
  }
  if (options.extend) config = options.extend(config)
  return buildConfig(config)
}
