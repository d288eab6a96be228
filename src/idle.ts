import type { Payload } from 'payload'
import { findRuntime } from './lifecycle/registry.js'

/**
 * Resolves when the startup reconcile is done and the in-process runner has nothing left to run now
 * (jobs waiting out a backoff are not waited for). For scripts and tests that want delivery finished.
 */
export async function whenIdle(payload: Payload): Promise<void> {
  const runtime = findRuntime(payload)
  if (!runtime) return
  await runtime.initialSync
  // Changes caught in Supabase first: a pull among them queues a delivery.
  await runtime.watch?.idle()
  runtime.runner?.kick()
  await runtime.runner?.idle()
}
