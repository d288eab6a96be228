/** Helpers of the realtime watch tests: the watch's state, the policy, dealers, and the catches recorded. */
import { expect } from 'vitest'
import { getRuntime } from '../../src/lifecycle/registry.js'
import type { ExternalChangePolicy } from '../../src/realtime/options.js'
import { dealerData, eventually, settled, type TestApp } from './app.js'

export async function subscribed(app: TestApp): Promise<void> {
  const status = getRuntime(app.payload).watch?.status().dealers?.status
  if (status !== 'subscribed') throw new Error(`realtime is ${status}`)
}

/** The policy is read per batch, so one app can show all three (a deployment sets it in the options). */
export function setPolicy(app: TestApp, policy: ExternalChangePolicy): void {
  getRuntime(app.payload).collections.get('dealers')!.watch = policy
}

export async function newDealer(app: TestApp): Promise<{ id: string; name: string }> {
  const doc = await app.payload.create({ collection: 'dealers', data: dealerData() as never })
  await settled(app)
  await eventually(async () => expect((await app.rows()).has(String(doc.id))).toBe(true))
  return { id: String(doc.id), name: String(doc.name) }
}

export interface RecordedCatch {
  id: string
  change: string
  outcome: string
  reason?: string
}

/** The external-change Sync events naming this id. */
export async function catchEvents(
  app: TestApp,
  id: string,
): Promise<Array<Record<string, unknown> & { details: { catches: RecordedCatch[] } }>> {
  const { docs } = await app.payload.find({
    collection: 'supabase-sync-events',
    where: { action: { equals: 'external-change' } },
    limit: 1000,
    overrideAccess: true,
  })
  return (
    docs as unknown as Array<Record<string, unknown> & { details: { catches: RecordedCatch[] } }>
  ).filter((d) => ((d.ids as string[] | undefined) ?? []).includes(id))
}

/** Every catch recorded for this id, across its events. */
export async function catchesOf(app: TestApp, id: string): Promise<RecordedCatch[]> {
  return (await catchEvents(app, id)).flatMap((e) => e.details.catches.filter((c) => c.id === id))
}
