/** Where the check finds things and what it installs: the constants every part of it reads. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const fixtureDir = path.join(repo, 'scripts', 'package-check-project')
export const pkgName = 'payload-plugin-supabase-sync'
export const keep = process.env.PACKAGE_CHECK_KEEP === '1'
export const overallTimeoutMs = 5 * 60_000

/** Dependencies the throw-away project installs, at the versions of this repo's lockfile. */
export const projectDeps = [
  'payload',
  '@payloadcms/db-postgres',
  'next',
  '@payloadcms/next',
  'graphql',
  'react',
  'react-dom',
  'pg',
]
