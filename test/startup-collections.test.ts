/**
 * The startup reconcile of several collections: one whose reconcile fails every time (its table is
 * missing) is tried again after the others have had their turn — it kept the next collection's drift
 * from being repaired until a restart.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { Payload } from 'payload'
import { Posts, postMapper, postsLocalization } from '../dev/collections/posts.js'
import { startLocalStack, type LocalStack } from '../dev/stack.js'
import { Dealers, whenIdle } from '../src/index.js'
import { dealerData, deliveredName, runSql, silencePools, startPayload } from './support/app.js'

let stack: LocalStack
const apps: Payload[] = []

const options = {
  collections: [Posts, Dealers],
  extend: (config: import('payload').Config) => ({ ...config, localization: postsLocalization }),
}
// Posts first: their reconcile comes first, and fails.
const sync = {
  collections: {
    posts: { table: 'posts', mapper: postMapper as never },
    dealers: { table: 'dealers' },
  },
  queue: { backoff: 20_000, maxBackoff: 20_000 },
}

beforeAll(async () => {
  stack = await startLocalStack()
  const { payload } = await startPayload(stack, {
    ...options,
    sync: { ...sync, syncOnInit: false },
  })
  apps.push(payload)
}, 120_000)
afterAll(async () => {
  for (const payload of apps) await payload.destroy().catch(() => {})
  silencePools()
  await stack?.stop()
})

describe('the startup reconcile of several collections', () => {
  it('repairs the others while one fails', async () => {
    const dealer = await apps[0].create({ collection: 'dealers', data: dealerData() })
    await whenIdle(apps[0])
    await runSql(stack.supabaseDbUri, `delete from public.dealers where id = '${dealer.id}'`)
    await runSql(stack.supabaseDbUri, 'alter table public.posts rename to posts_gone')
    try {
      const { payload } = await startPayload(stack, {
        ...options,
        sync: { ...sync, syncOnInit: true },
      })
      apps.push(payload)
      await deliveredName(stack.supabaseDbUri, dealer, 15_000)
    } finally {
      await runSql(stack.supabaseDbUri, 'alter table public.posts_gone rename to posts')
    }
  }, 60_000)
})
