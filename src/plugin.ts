/**
 * The plugin: `supabaseSync(options)(config)`. It adds the sync hooks to each synced collection, the
 * sync task to Payload's jobs queue, and an onInit that starts the runner and the startup reconcile.
 * Shaped like Payload's own plugins: spreads the incoming config, chains onInit, honours `disabled`
 * (then only what changes the database schema stays: the task and the jobs' concurrency field).
 */
import type { CollectionConfig, Config, Payload } from 'payload'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SyncEvents, eventsSlug } from './collections/events.js'
import { ConfigError } from './errors.js'
import { recordEvent } from './ops/audit.js'
import { syncEndpoints } from './ops/endpoints.js'
import { pluginLogger } from './log.js'
import { resolveOptions, type ResolvedOptions, type SupabaseSyncOptions } from './options.js'
import { createServiceClient, SupabaseTarget } from './target/supabase.js'
import { Deliverer } from './sync/deliver.js'
import { Superseder } from './sync/supersede.js'
import { afterChangeHook, afterDeleteHook } from './sync/hooks.js'
import { reconcile } from './sync/reconcile.js'
import { QueueRunner } from './sync/runner.js'
import { cliMode, setRuntime, type SyncedCollection, type SyncRuntime } from './sync/runtime.js'
import { syncTask } from './sync/task.js'
import { withShouldSync } from './mapping/validate.js'

/** The dashboard component's import-map path (package.json `exports["./rsc"]`). */
export const syncHealthComponent = 'payload-plugin-supabase-sync/rsc#SyncHealth'

function syncedCollections(options: ResolvedOptions, drafts: (slug: string) => boolean): Map<string, SyncedCollection> {
  const map = new Map<string, SyncedCollection>()
  for (const [slug, c] of Object.entries(options.collections)) {
    map.set(slug, {
      slug,
      // shouldSync is folded into the mapper: a document it refuses maps to null, wherever rows are made.
      mapper: withShouldSync(c.mapper, c.shouldSync),
      shouldSync: c.shouldSync,
      drafts: drafts(slug),
      spec: {
        collection: slug,
        table: c.table,
        primaryKey: c.mapper.primaryKey ?? 'id',
        versionColumn: c.mapper.versionColumn ?? 'updated_at',
      },
    })
  }
  return map
}

function hasDrafts(collection: CollectionConfig | undefined): boolean {
  const versions = collection?.versions
  return typeof versions === 'object' && versions !== null && Boolean(versions.drafts)
}

export const supabaseSync =
  (pluginOptions: SupabaseSyncOptions = {}) =>
  (incomingConfig: Config): Config => {
    const options = resolveOptions(pluginOptions)
    const config: Config = { ...incomingConfig }

    const known = new Set((incomingConfig.collections ?? []).map((c) => c.slug))
    for (const slug of Object.keys(options.collections)) {
      if (!known.has(slug)) {
        throw new ConfigError(
          `supabase-sync: option "collections.${slug}" names a collection that is not in the config` +
            (slug === 'dealers' ? ' (add the ready `Dealers` collection: import { Dealers } from "payload-plugin-supabase-sync")' : ''),
          `collections.${slug}`,
        )
      }
    }

    // Schema-relevant parts stay even when disabled: the audit collection, the task's slug (an enum
    // in the jobs table) and the column concurrency control adds.
    const withEvents = (incomingConfig.collections ?? []).some((c) => c.slug === eventsSlug)
      ? (incomingConfig.collections ?? [])
      : [...(incomingConfig.collections ?? []), SyncEvents]
    config.collections = withEvents
    config.jobs = {
      ...incomingConfig.jobs,
      enableConcurrencyControl: true,
      tasks: [...(incomingConfig.jobs?.tasks ?? []), syncTask(options.queue)],
    }
    if (options.disabled) return config

    const collections = syncedCollections(options, (slug) => hasDrafts(incomingConfig.collections?.find((c) => c.slug === slug)))
    config.collections = withEvents.map((collection) => {
      const synced = collections.get(collection.slug)
      if (!synced) return collection
      return {
        ...collection,
        hooks: {
          ...collection.hooks,
          afterChange: [...(collection.hooks?.afterChange ?? []), afterChangeHook(synced, options.queue.name)],
          afterDelete: [...(collection.hooks?.afterDelete ?? []), afterDeleteHook(synced, options.queue.name)],
        },
      }
    })

    config.endpoints = [...(incomingConfig.endpoints ?? []), ...syncEndpoints(options)]
    // The sync health panel on the dashboard (src/admin/SyncHealth.tsx), resolved through the import map.
    config.admin = {
      ...incomingConfig.admin,
      components: {
        ...incomingConfig.admin?.components,
        beforeDashboard: [...(incomingConfig.admin?.components?.beforeDashboard ?? []), syncHealthComponent],
      },
    }
    // The command's module sits beside this one (.ts under tsx in development, .js once built).
    const here = fileURLToPath(import.meta.url)
    config.bin = [...(incomingConfig.bin ?? []), { key: 'supabase-sync', scriptPath: path.join(path.dirname(here), 'ops', `cli${path.extname(here)}`) }]

    config.onInit = async (payload) => {
      if (incomingConfig.onInit) await incomingConfig.onInit(payload)
      await startSync(payload, options)
    }
    return config
  }

async function startSync(payload: Payload, options: ResolvedOptions): Promise<SyncRuntime> {
  const logger = pluginLogger(options.logger ?? payload.logger)
  const collections = syncedCollections(options, (slug) => hasDrafts(payload.collections[slug]?.config))
  for (const collection of collections.values()) {
    if (collection.mapper.idType !== 'uuid') continue
    const idType = payload.collections[collection.slug]?.customIDType ?? payload.db.defaultIDType
    if (idType === 'number') {
      throw new ConfigError(
        `supabase-sync: collection "${collection.slug}" has numeric ids, but its Supabase table "${collection.spec.table}" has a uuid primary key: ` +
          `use postgresAdapter({ idType: 'uuid' }) (or a mapper for numeric ids)`,
        `collections.${collection.slug}`,
      )
    }
  }
  const supabase = options.supabase!
  const client = 'client' in supabase ? supabase.client : await createServiceClient(supabase.url, supabase.serviceRoleKey)
  const target = new SupabaseTarget(client, { retry: options.retry, writeMode: options.writeMode, timeoutMs: options.timeoutMs, logger })
  const runtime = { payload, options, logger, target, collections, lastReconcile: new Map() } as SyncRuntime
  runtime.deliverer = new Deliverer(runtime)
  runtime.superseder = new Superseder(payload)
  runtime.runner = new QueueRunner(payload, options.queue, logger)
  setRuntime(payload, runtime)
  if (cliMode()) {
    logger.debug('supabase-sync: command mode, no runner and no startup reconcile')
    return runtime
  }
  runtime.runner.start()
  if (options.syncOnInit) {
    // In the background: startup is not blocked by Supabase's latency or an outage.
    runtime.initialSync = (async () => {
      for (const collection of collections.values()) {
        try {
          const summary = await reconcile(runtime, collection)
          runtime.lastReconcile.set(collection.slug, { ...summary, at: new Date().toISOString() })
          const { missing, extra, changed } = summary.diff
          if (missing.length || extra.length || changed.length || summary.failed.length) {
            await recordEvent(runtime, {
              action: 'reconcile',
              collectionSlug: collection.slug,
              outcome: summary.failed.length ? 'failed' : 'drift',
              summary: `startup reconcile repaired drift: ${missing.length} missing, ${changed.length} changed, ${summary.deleted} of ${extra.length} orphans deleted, ${summary.failed.length} failed`,
              ids: [...missing, ...extra, ...changed.map((c) => c.id)],
              fields: Object.fromEntries(changed.map((c) => [c.id, c.fields])),
              details: { upserted: summary.upserted, deleted: summary.deleted, failed: summary.failed, guard: summary.guard },
              actor: { source: 'startup' },
            })
          }
        } catch (err) {
          logger.error({ err, collection: collection.slug, op: 'reconcile', outcome: 'failed' }, `${collection.slug}: startup reconcile failed`)
        }
      }
    })()
  }
  logger.info({ collections: [...collections.values()].map((c) => `${c.slug} -> ${c.spec.table}`), queue: options.queue.name }, 'supabase-sync started')
  return runtime
}
