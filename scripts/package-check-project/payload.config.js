// The throw-away project's Payload config (scripts/package-check/steps/boot.ts copies it there): plain JavaScript,
// ESM, importing the plugin from the installed tarball exactly as the README tells a team to.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { postgresAdapter } from '@payloadcms/db-postgres'
import { buildConfig } from 'payload'
import { Dealers, supabaseSync } from 'payload-plugin-supabase-sync'

const dirname = path.dirname(fileURLToPath(import.meta.url))

const Users = {
  slug: 'users',
  auth: true,
  admin: { useAsTitle: 'email' },
  fields: [],
}

export default buildConfig({
  secret: process.env.PAYLOAD_SECRET,
  collections: [Dealers, Users],
  admin: {
    user: Users.slug,
    // generate:importmap writes <baseDir>/app/(payload)/admin/importMap.js, as in a Next.js app.
    importMap: { baseDir: dirname },
  },
  db: postgresAdapter({ idType: 'uuid', pool: { connectionString: process.env.DATABASE_URI } }),
  plugins: [
    supabaseSync({
      supabase: {
        url: process.env.SUPABASE_URL,
        serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY,
      },
    }),
  ],
  telemetry: false,
})
