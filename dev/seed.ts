/**
 * The dev app's seed: a first admin user and the seed dealers when there are none, through the Local
 * API of a short-lived Payload (which also pushes the schema). It waits until the plugin delivered
 * what it queued and is destroyed before Next starts its own Payload: only one Payload at a time
 * runs the plugin's queue.
 */
import type { Payload } from 'payload'
import { seedDealers } from './seed-dealers.js'

export async function seed(
  admin: { email: string; password: string },
  withDealers: boolean,
): Promise<{ adminCreated: boolean; dealersSeeded: number }> {
  // Outside Next.js: no HMR websocket. Only for this Payload; Next's process gets its own environment.
  process.env.DISABLE_PAYLOAD_HMR = 'true'
  const { getPayload } = await import('payload')
  const { whenIdle } = await import('../src/index.js')
  const { default: configPromise } = await import('./payload.config.js')
  let payload: Payload | undefined
  try {
    payload = await getPayload({ config: await configPromise, key: 'dev-seed' })
    let adminCreated = false
    const users = await payload.count({ collection: 'users', overrideAccess: true })
    if (users.totalDocs === 0) {
      await payload.create({
        collection: 'users',
        data: { email: admin.email, password: admin.password },
        overrideAccess: true,
      })
      adminCreated = true
    }
    let dealersSeeded = 0
    const dealers = await payload.count({ collection: 'dealers', overrideAccess: true })
    if (withDealers && dealers.totalDocs === 0) {
      for (const data of seedDealers) {
        await payload.create({ collection: 'dealers', data: data as never, overrideAccess: true })
        dealersSeeded++
      }
    }
    // The plugin's startup reconcile and the jobs the seed queued: delivered before this Payload goes.
    await whenIdle(payload)
    return { adminCreated, dealersSeeded }
  } finally {
    delete process.env.DISABLE_PAYLOAD_HMR
    if (payload) {
      await payload.destroy()
      // destroy() leaves the pg pool open, and pool.end() can wait on a client that is never released.
      const pool = (
        payload.db as unknown as {
          pool?: { on(e: string, f: () => void): void; end(): Promise<void> }
        }
      ).pool
      if (pool) {
        pool.on('error', () => {})
        await Promise.race([
          pool.end().catch(() => {}),
          new Promise((r) => setTimeout(r, 1_000).unref()),
        ])
      }
    }
  }
}
