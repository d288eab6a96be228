/**
 * The startup catch-up tests' harness (realtime 'pull'): the instance running now, and restarts on
 * the same stack — the running instance stopped, something done with none running, another started.
 */
import type { Payload } from 'payload'
import { expect } from 'vitest'
import { whenIdle } from '../../src/index.js'
import { getRuntime } from '../../src/lifecycle/registry.js'
import {
  dealerData,
  eventually,
  settled,
  startPayload,
  type LogCapture,
  type TestApp,
} from './app.js'

export const pulling = {
  realtime: true,
  collections: { dealers: { table: 'dealers', realtime: true, onExternalChange: 'pull' as const } },
}

export interface Instance {
  payload: Payload
  logs: LogCapture
  idle(): Promise<void>
}

export class Restarts {
  /** The instance running now (each restart stops it and starts another). */
  current: Instance

  constructor(readonly app: TestApp) {
    this.current = app
  }

  /** Stops the running instance, runs `meanwhile`, starts another; resolves when its start is done. */
  async restart(
    meanwhile: () => Promise<unknown>,
    options: Parameters<typeof startPayload>[1] = { sync: pulling },
  ): Promise<void> {
    await this.current.payload.destroy()
    await meanwhile()
    const next = await startPayload(this.app.stack, options)
    this.current = { ...next, idle: () => whenIdle(next.payload) }
    await getRuntime(next.payload).initialSync
  }

  async newDealer(): Promise<{ id: string; domain: string; name: string; createdAt: string }> {
    const doc = await this.current.payload.create({
      collection: 'dealers',
      data: dealerData() as never,
    })
    await settled(this.current)
    await eventually(async () => expect((await this.app.rows()).has(String(doc.id))).toBe(true))
    const { id, domain, name, createdAt } = doc as Record<string, unknown>
    return {
      id: String(id),
      domain: String(domain),
      name: String(name),
      createdAt: String(createdAt),
    }
  }

  async dealerNow(id: string): Promise<Record<string, unknown>> {
    return (await this.current.payload.findByID({ collection: 'dealers', id, depth: 0 })) as never
  }

  /** The `conflict` Sync events naming this id. */
  async conflictsOf(id: string): Promise<unknown[]> {
    const { docs } = await this.current.payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'conflict' } },
      depth: 0,
      limit: 0,
      pagination: false,
    })
    return docs.filter((e) => ((e as { ids?: string[] }).ids ?? []).includes(id))
  }

  async close(): Promise<void> {
    if (this.current !== this.app) await this.current.payload.destroy().catch(() => {})
    await this.app.close()
  }
}
