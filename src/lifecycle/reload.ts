/**
 * A dev server's reload (Next.js HMR) re-evaluates the config — a mapper edited in it among it — and
 * hands it to the running Payload without running onInit again. The running plugin keeps its parts
 * (the runner, the queue, the Supabase client), and the reloaded hooks find it through `payload`; so
 * it takes the reloaded config's mappers, which is what someone who just edited `toRow` expects of the
 * next save. Its collections are updated in place: the delivery, the runner, the watch and the
 * operations all hold the same objects. What a running part is built around — the table, its key, a
 * collection synced or not, drafts, the realtime subscription, the other options — takes effect at the
 * next start, and the log says so rather than leaving a half-applied config.
 */
import type { Payload } from 'payload'
import type { ResolvedOptions } from '../options.js'
import { syncedCollections, type SyncedCollection } from '../synced.js'
import type { SyncRuntime } from './runtime.js'

export interface ReloadOutcome {
  /** Collections whose mapper, shouldSync or page size the running plugin now uses. */
  adopted: string[]
  /** What the reloaded config changes that needs a restart, one phrase each. */
  restart: string[]
}

export function adoptReloadedConfig(runtime: SyncRuntime, options: ResolvedOptions): ReloadOutcome {
  const reloaded = syncedCollections(options, (slug) => hasDrafts(runtime.payload, slug))
  const outcome: ReloadOutcome = { adopted: [], restart: [] }
  for (const slug of reloaded.keys())
    if (!runtime.collections.has(slug)) outcome.restart.push(`collection "${slug}" is now synced`)
  for (const [slug, running] of runtime.collections) {
    const next = reloaded.get(slug)
    if (!next) {
      outcome.restart.push(`collection "${slug}" is no longer synced`)
      continue
    }
    const built = builtAround(running, next)
    if (built.length) {
      outcome.restart.push(...built.map((what) => `${slug}: ${what}`))
      continue
    }
    if (
      running.mapper === next.mapper &&
      running.shouldSync === next.shouldSync &&
      running.pageSize === next.pageSize &&
      running.watch === next.watch
    )
      continue
    running.mapper = next.mapper
    running.shouldSync = next.shouldSync
    running.selection = next.selection
    running.pageSize = next.pageSize
    running.watch = next.watch
    runtime.options.collections[slug] = options.collections[slug]
    outcome.adopted.push(slug)
  }
  return outcome
}

/** What differs between the two views of a collection that the running parts were built around. */
function builtAround(running: SyncedCollection, next: SyncedCollection): string[] {
  const changed: string[] = []
  for (const key of ['table', 'primaryKey', 'versionColumn'] as const)
    if (running.spec[key] !== next.spec[key])
      changed.push(`${key} "${running.spec[key]}" → "${next.spec[key]}"`)
  if (running.drafts !== next.drafts) changed.push('drafts turned on or off')
  // Watched or not is a subscription; the policy of a watched table is read per batch.
  if ((running.watch === false) !== (next.watch === false))
    changed.push('realtime turned on or off')
  return changed
}

export function hasDrafts(payload: Payload, slug: string): boolean {
  const versions = payload.collections[slug]?.config.versions
  return typeof versions === 'object' && versions !== null && Boolean(versions.drafts)
}

/** The plugin's options of a config, as the config carries them (`custom`, server-only). */
export const optionsKey = 'supabaseSync'
type Carried = { [optionsKey]?: { options?: () => ResolvedOptions } }

/** The options the config Payload runs with now: after a reload, the reloaded config's. */
export function currentOptions(payload: Payload): ResolvedOptions | undefined {
  return (payload.config?.custom as Carried | undefined)?.[optionsKey]?.options?.()
}

const adoptedOptions = new WeakMap<SyncRuntime, ResolvedOptions>()

/**
 * Once per reload of the config: the running plugin takes the reloaded config's mappers, and says
 * what it did and what waits for a restart.
 */
export function followReload(runtime: SyncRuntime): void {
  const options = currentOptions(runtime.payload)
  if (!options || options.disabled) return
  if (options === (adoptedOptions.get(runtime) ?? runtime.options)) return
  adoptedOptions.set(runtime, options)
  const { adopted, restart } = adoptReloadedConfig(runtime, options)
  if (adopted.length)
    runtime.logger.info(
      { op: 'reload', collections: adopted },
      `supabase-sync: the reloaded config's mappers are in use for ${adopted.join(', ')}: saves from now on are delivered with them; rows of documents not saved since keep the old mapping until a sync (npx payload supabase-sync sync) or the next start`,
    )
  if (restart.length)
    runtime.logger.warn(
      { op: 'reload', restart },
      `supabase-sync: the reloaded config changes what the running plugin is built around (${restart.join('; ')}): restart the server to apply it; until then the plugin works as it started`,
    )
}
