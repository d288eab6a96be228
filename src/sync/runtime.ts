/**
 * What the plugin holds per running Payload: resolved options, the Supabase target, the logger and the
 * delivery pipeline. Created in onInit; the hooks, the task and the operations find it by `payload`.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import { ConfigError } from '../errors.js'
import type { SyncMapper } from '../mapping/types.js'
import type { ResolvedOptions } from '../options.js'
import type { SupabaseTarget, TableSpec } from '../target/supabase.js'
import type { Deliverer } from './deliver.js'
import type { Superseder } from './supersede.js'
import type { ReconcileSummary } from './reconcile.js'
import type { QueueRunner } from './runner.js'

export interface SyncedCollection {
  slug: string
  spec: TableSpec
  mapper: SyncMapper
  shouldSync?: (doc: Record<string, unknown> & { id: string | number }) => boolean
  /** Collection has drafts: only published documents are in Supabase. */
  drafts: boolean
}

export interface SyncRuntime {
  payload: Payload
  options: ResolvedOptions
  logger: Logger
  target: SupabaseTarget
  collections: Map<string, SyncedCollection>
  deliverer: Deliverer
  superseder: Superseder
  runner?: QueueRunner
  /** The last full reconcile of each collection in this process, with when it ended, for status. */
  lastReconcile: Map<string, ReconcileSummary & { at: string }>
  /** The startup reconcile, running in the background. */
  initialSync?: Promise<void>
}

/**
 * Process-wide, like Payload's own instance cache (`global._payload`): `next dev` re-evaluates server
 * modules when it compiles another route while the Payload instance (and its onInit) survives, so a
 * module-level map would come back empty for the admin's components.
 */
const registryKey = Symbol.for('payload-plugin-supabase-sync.runtimes')
const runtimes: WeakMap<Payload, SyncRuntime> = ((globalThis as unknown as Record<symbol, WeakMap<Payload, SyncRuntime> | undefined>)[registryKey] ??=
  new WeakMap())

export function setRuntime(payload: Payload, runtime: SyncRuntime): void {
  runtimes.set(payload, runtime)
}

export function findRuntime(payload: Payload): SyncRuntime | undefined {
  return runtimes.get(payload)
}

export function getRuntime(payload: Payload): SyncRuntime {
  const runtime = runtimes.get(payload)
  if (!runtime) {
    throw new ConfigError(
      'supabase-sync is not running on this Payload instance: add supabaseSync() to the config plugins (and disabled: false), and wait for payload.init',
    )
  }
  return runtime
}

export function syncedCollection(runtime: SyncRuntime, slug = 'dealers'): SyncedCollection {
  const collection = runtime.collections.get(slug)
  if (!collection) {
    throw new ConfigError(`supabase-sync: collection "${slug}" is not synced (synced: ${[...runtime.collections.keys()].join(', ')})`, 'collections')
  }
  return collection
}

let cli = false
/**
 * A one-shot command (the bin script) runs its own operation: no startup reconcile and no queue runner
 * in that process, so that what it reports is not moving under it.
 */
export function cliMode(value?: boolean): boolean {
  if (value !== undefined) cli = value
  return cli
}
