/**
 * The dev app's Payload config, as Next.js (`@payload-config` in dev/tsconfig.json) and `dev/start.ts`
 * load it: Dealers + the plugin (dev/config.ts) plus a `users` auth collection for the admin, and `posts`
 * (dev/collections/posts.ts: drafts with autosave, trash, locales en and de) synced into `public.posts`.
 *
 * Everything comes from the environment, which `npm run dev` (dev/start.ts) sets from the local stack:
 * DATABASE_URI, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, and PAYLOAD_SECRET (optional: a dev-only default
 * is used without it). PAYLOAD_AUTOLOGIN=true logs the admin in as DEV_ADMIN_EMAIL / DEV_ADMIN_PASSWORD
 * without a form: dev only, it also logs in every REST call.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CollectionConfig } from 'payload'
import pino from 'pino'
import { Dealers, dealerMapper } from '../src/index.js'
import { Posts, postsLocalization, postsSync } from './collections/posts.js'
import { devConfig } from './config.js'

const here = path.dirname(fileURLToPath(import.meta.url))

/**
 * `npm run dev` writes the stack's addresses to dev/.data/dev.env (git-ignored), so that
 * `npx payload supabase-sync …` works in the repository with no variables set. Variables set in the
 * environment win.
 */
const envFile = path.join(here, '.data', 'dev.env')
if (fs.existsSync(envFile)) {
  for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2]
  }
}

/** An editor edits content but has none of the sync's rights; anyone else (the default) has all. */
const isEditor = (user: unknown) => (user as { role?: string | null } | null)?.role === 'editor'

export const Users: CollectionConfig = {
  slug: 'users',
  auth: true,
  admin: { useAsTitle: 'email', defaultColumns: ['email', 'role'] },
  fields: [
    {
      // The browser tests' user without the plugin's `read` right (dev/console-admin.ts).
      name: 'role',
      type: 'select',
      defaultValue: 'admin',
      options: [
        { label: 'Admin', value: 'admin' },
        { label: 'Editor (no Supabase sync rights)', value: 'editor' },
      ],
      access: {
        create: ({ req }) => !isEditor(req.user),
        update: ({ req }) => !isEditor(req.user),
      },
    },
  ],
}

/**
 * The plugin's rights (read, sync, pull, reset) for users of `users` who are not editors: the default
 * behaviour for the admin (and for users from before the role field, whose role is empty).
 */
const syncAccess = ({ req }: { req: { user?: unknown } }) => {
  const user = req.user as { collection?: string } | null | undefined
  return Boolean(user && user.collection === Users.slug && !isEditor(user))
}

const autoLogin =
  process.env.PAYLOAD_AUTOLOGIN === 'true' && process.env.DEV_ADMIN_PASSWORD
    ? {
        email: process.env.DEV_ADMIN_EMAIL ?? 'dev@example.com',
        password: process.env.DEV_ADMIN_PASSWORD,
      }
    : undefined

export default devConfig({
  databaseUri: process.env.DATABASE_URI!,
  supabaseUrl: process.env.SUPABASE_URL!,
  serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY!,
  // Without PAYLOAD_SECRET: devConfig's own default, which names itself dev-only.
  secret: process.env.PAYLOAD_SECRET || undefined,
  collections: [Dealers, Posts, Users],
  sync: {
    access: syncAccess,
    collections: { dealers: { table: 'dealers', mapper: dealerMapper }, ...postsSync },
  },
  extend: (config) => ({
    ...config,
    // One JSON line per record (not pretty-printed over several lines between Next's output).
    logger: {
      options: { level: process.env.PAYLOAD_LOG_LEVEL ?? 'info' },
      destination: pino.destination({ dest: 1, sync: false }),
    },
    localization: postsLocalization,
    admin: {
      ...config.admin,
      user: Users.slug,
      // Gravatar is on the internet; the dev app should work offline.
      avatar: 'default',
      importMap: {
        baseDir: here,
        importMapFile: path.resolve(here, 'app/(payload)/admin/importMap.js'),
      },
      ...(autoLogin ? { autoLogin } : {}),
    },
  }),
})
