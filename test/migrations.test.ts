/**
 * Production runs on migrations, not on the development schema push: the dev config (dealers, posts,
 * users and the plugin) through `payload migrate:create` and `payload migrate` on an empty database,
 * then a Payload with `push: false` on it syncs — the plugin's collections (Sync events, Sync state) and
 * its jobs fields are in the migration.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { dealerData, deliveredName, silencePools, startPayload } from './support/app.js'

const run = promisify(execFile)
let stack: LocalStack
let dir: string

beforeAll(async () => {
  stack = await startLocalStack()
  // Inside the repository (dev/.data is git-ignored): the migration files import @payloadcms/db-postgres.
  await fs.mkdir(path.resolve('dev/.data'), { recursive: true })
  dir = await fs.mkdtemp(path.resolve('dev/.data/migrations-'))
})
afterAll(async () => {
  silencePools()
  await stack?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

function payloadBin(...args: string[]) {
  return run(process.execPath, ['node_modules/payload/bin.js', ...args], {
    env: {
      ...process.env,
      PAYLOAD_CONFIG_PATH: 'dev/payload.config.ts',
      DATABASE_URI: stack.databaseUri,
      SUPABASE_URL: stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
      PAYLOAD_PUSH: 'false',
      PAYLOAD_MIGRATION_DIR: dir,
      NODE_ENV: 'production',
    },
    timeout: 120_000,
  })
}

describe('migrations', () => {
  it('migrate:create + migrate on an empty database, then a save reaches Supabase', async () => {
    await payloadBin('migrate:create', 'initial')
    const files = await fs.readdir(dir)
    expect(files.some((f) => /initial\.ts$/.test(f))).toBe(true)
    const migration = await fs.readFile(
      path.join(
        dir,
        files.find((f) => /initial\.ts$/.test(f))!,
      ),
      'utf8',
    )
    for (const table of ['supabase_sync_events', 'supabase_sync_state', 'payload_jobs', 'dealers'])
      expect(migration).toContain(`"${table}"`)
    expect(migration).toContain('concurrency_key')
    await payloadBin('migrate')

    process.env.PAYLOAD_PUSH = 'false'
    try {
      const { payload } = await startPayload(stack, { sync: { syncOnInit: false } })
      try {
        const doc = await payload.create({ collection: 'dealers', data: dealerData() })
        await deliveredName(stack.supabaseDbUri, doc)
      } finally {
        await payload.destroy()
      }
    } finally {
      delete process.env.PAYLOAD_PUSH
    }
  }, 240_000)
})
