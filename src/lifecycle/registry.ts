/**
 * The running plugin of each Payload instance, for the public entry points that are given only
 * `payload` (the Local API operations, the admin components, `whenIdle`). Internals get their
 * dependencies passed in.
 *
 * Process-wide, like Payload's own instance cache (`global._payload`): `next dev` re-evaluates server
 * modules when it compiles another route while the Payload instance (and its onInit) survives, so a
 * module-level map would come back empty for the admin's components.
 */
import type { Payload } from 'payload'
import { ConfigError } from '../errors.js'
import type { SyncedCollection } from '../synced.js'
import { followReload } from './reload.js'
import type { SyncRuntime } from './runtime.js'

const registryKey = Symbol.for('payload-plugin-supabase-sync.runtimes')
const runtimes: WeakMap<Payload, SyncRuntime> = ((
  globalThis as unknown as Record<symbol, WeakMap<Payload, SyncRuntime> | undefined>
)[registryKey] ??= new WeakMap())

export function setRuntime(payload: Payload, runtime: SyncRuntime): void {
  runtimes.set(payload, runtime)
}

export function findRuntime(payload: Payload): SyncRuntime | undefined {
  const runtime = runtimes.get(payload)
  if (runtime) followReload(runtime)
  return runtime
}

export function getRuntime(payload: Payload): SyncRuntime {
  const runtime = findRuntime(payload)
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
    throw new ConfigError(
      `supabase-sync: collection "${slug}" is not synced (synced: ${[...runtime.collections.keys()].join(', ')})`,
      'collections',
    )
  }
  return collection
}

let commandMode = false
/**
 * A one-shot command (the bin script) runs its own operation: no startup reconcile and no queue runner
 * in that process, so that what it reports is not moving under it.
 */
export function cliMode(value?: boolean): boolean {
  if (value !== undefined) commandMode = value
  return commandMode
}
