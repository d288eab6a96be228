/**
 * The plugin: `supabaseSync(options)(config)`. A config transform only: it adds the sync hooks to each
 * synced collection (and delete hooks to the collections their fields point to), the sync task to
 * Payload's jobs, its two collections (Sync events, the per-document sync state), the endpoints, the
 * dashboard panel, the bin command, and an onInit that starts the rest (lifecycle/start.ts). Shaped
 * like Payload's own plugins: spreads the incoming config, chains onInit, honours `disabled` (then
 * only what changes the database schema stays: the collections and the task).
 */
import type { CollectionConfig, Config, Payload, PayloadRequest, UIField } from 'payload'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { consolePath } from './admin/server/adminUrl.js'
import { eventsSlug, syncEventsCollection } from './collections/events.js'
import { alertsCollection, rollupsCollection } from './collections/monitoring.js'
import { SyncState, stateSlug } from './collections/state.js'
import { alertTask } from './monitoring/alert-task.js'
import { checkTask } from './monitoring/check-task.js'
import { pruneEventsTask } from './ops/event-retention.js'
import { monitoringEndpoints } from './monitoring/endpoints.js'
import { ConfigError } from './errors.js'
import { expectVersionHook } from './hooks/expect-version.js'
import { afterBulkOperationHook } from './hooks/bulk-errors.js'
import { referencePaths } from './hooks/reference-paths.js'
import { referencedDeleteHooks, type Referrer } from './hooks/references.js'
import { afterChangeHook, afterDeleteHook, type HookRuntime } from './hooks/sync-hooks.js'
import { findRuntime } from './lifecycle/registry.js'
import { optionsKey } from './lifecycle/reload.js'
import { startSync } from './lifecycle/start.js'
import type { SyncRuntime } from './lifecycle/runtime.js'
import { allowed, resolveAccess } from './ops/access.js'
import { syncEndpoints } from './ops/endpoints.js'
import type { SupabaseSyncOptions } from './options.js'
import { resolveOptions } from './resolve-options.js'
import { syncTask } from './queue/task.js'
import { syncedCollections } from './synced.js'

/** The dashboard component's import-map path (package.json `exports["./rsc"]`). */
export const syncHealthComponent = 'payload-plugin-supabase-sync/rsc#SyncHealth'
/** The sync console, a root admin view at `/admin/supabase-sync` (a server component). */
export const syncConsoleComponent = 'payload-plugin-supabase-sync/rsc#SyncConsoleView'
export const syncConsolePath = consolePath
/** Its link in the navigation (`admin.components.afterNavLinks`, a server component). */
export const syncNavLinkComponent = 'payload-plugin-supabase-sync/rsc#SyncNavLink'
/** The sidebar box of a synced document (a server component that renders the client box). */
export const documentBoxComponent = 'payload-plugin-supabase-sync/rsc#DocumentSyncField'
/** The list column's cell and heading (client components, package.json `exports["./client"]`). */
export const stateCellComponent = 'payload-plugin-supabase-sync/client#SyncStateCell'
export const stateHeadingComponent = 'payload-plugin-supabase-sync/client#SyncStateHeading'
/** The `ui` field that carries the sidebar box and the list column (no database column). */
export const syncFieldName = 'supabaseSync'

/**
 * A synced collection with the **Supabase** sidebar box and list column: a `ui` field (it stores
 * nothing, so the schema stays the same), added to the list's default columns when it has them.
 */
function withSyncAdmin(collection: CollectionConfig): CollectionConfig {
  if (collection.fields.some((f) => 'name' in f && f.name === syncFieldName)) return collection
  const field: UIField = {
    name: syncFieldName,
    type: 'ui',
    label: 'Supabase',
    admin: {
      position: 'sidebar',
      disableBulkEdit: true,
      components: {
        Field: documentBoxComponent,
        Cell: stateCellComponent,
        Label: stateHeadingComponent,
      },
    },
  }
  const defaultColumns = collection.admin?.defaultColumns
  return {
    ...collection,
    fields: [...collection.fields, field],
    ...(defaultColumns
      ? { admin: { ...collection.admin, defaultColumns: [...defaultColumns, syncFieldName] } }
      : {}),
  }
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
    const incomingCollections = incomingConfig.collections ?? []

    const known = new Set(incomingCollections.map((c) => c.slug))
    for (const slug of Object.keys(options.collections)) {
      if (!known.has(slug)) {
        throw new ConfigError(
          `supabase-sync: option "collections.${slug}" names a collection that is not in the config` +
            (slug === 'dealers'
              ? ' (add the ready `Dealers` collection: import { Dealers } from "payload-plugin-supabase-sync")'
              : ''),
          `collections.${slug}`,
        )
      }
    }

    // The running plugin of the Payload a hook or task runs in, once onInit has built it. Looked up by
    // that Payload: a dev server's reload (HMR) re-evaluates the config — these closures among it —
    // but not onInit, so the reloaded config's own `runtime` stays unset.
    let runtime: SyncRuntime | undefined
    const current = (payload: Payload): SyncRuntime | undefined => findRuntime(payload) ?? runtime
    const hookRuntime = (payload: Payload): HookRuntime | undefined => {
      const found = current(payload)
      const runner = found?.runner
      return (
        found && {
          jobs: found.jobs,
          state: found.state,
          logger: found.logger,
          afterCommit: runner && ((id) => runner.afterCommit(id)),
        }
      )
    }

    // Schema-relevant parts stay even when disabled: the plugin's collections, the task's slug (an
    // enum in the jobs table) and the column concurrency control adds.
    const access = resolveAccess(options.access)
    const read = (args: { req: PayloadRequest }) => allowed(access, 'read', args.req)
    const own = [
      syncEventsCollection(read),
      SyncState,
      alertsCollection(read),
      rollupsCollection(read),
    ].filter((c) => !known.has(c.slug))
    config.collections = [...incomingCollections, ...own]
    config.jobs = {
      ...incomingConfig.jobs,
      enableConcurrencyControl: true,
      tasks: [
        ...(incomingConfig.jobs?.tasks ?? []),
        syncTask(options.queue, current),
        checkTask(options),
        alertTask(options),
        pruneEventsTask(options),
      ],
    }
    if (options.disabled) return config

    const collections = syncedCollections(options, (slug) =>
      hasDrafts(incomingCollections.find((c) => c.slug === slug)),
    )
    config.collections = config.collections.map((collection) => {
      const synced = collections.get(collection.slug)
      if (!synced) return collection
      return {
        ...collection,
        hooks: {
          ...collection.hooks,
          beforeChange: [
            ...(collection.hooks?.beforeChange ?? []),
            expectVersionHook(collection.slug, (payload) => current(payload)?.db),
          ],
          afterChange: [
            ...(collection.hooks?.afterChange ?? []),
            afterChangeHook(synced, options.queue.name, hookRuntime),
          ],
          afterDelete: [
            ...(collection.hooks?.afterDelete ?? []),
            afterDeleteHook(synced, options.queue.name, hookRuntime),
          ],
          // First: it reads the failures as the operation made them, before a hook of the app's
          // rewrites the result (one that throws rolls the operation back, these jobs with it).
          afterOperation: [
            afterBulkOperationHook(synced, options.queue.name, hookRuntime),
            ...(collection.hooks?.afterOperation ?? []),
          ],
        },
      }
    })
    // A collection that synced documents point to: deleting one of its documents clears their
    // references in PostgreSQL, without their hooks (hooks/references.ts).
    const referrers = (target: string): Referrer[] =>
      [...collections.values()].flatMap((synced) => {
        const fields = incomingCollections.find((c) => c.slug === synced.slug)?.fields ?? []
        const paths = referencePaths(fields, target, incomingConfig.blocks ?? [])
        return paths.length ? [{ collection: synced, paths }] : []
      })
    config.collections = config.collections.map((collection) => {
      const pointing = referrers(collection.slug)
      if (!pointing.length) return collection
      const hooks = referencedDeleteHooks(pointing, options.queue.name, hookRuntime)
      return {
        ...collection,
        hooks: {
          ...collection.hooks,
          beforeDelete: [...(collection.hooks?.beforeDelete ?? []), hooks.beforeDelete],
          afterDelete: [...(collection.hooks?.afterDelete ?? []), hooks.afterDelete],
        },
      }
    })

    config.endpoints = [
      ...(incomingConfig.endpoints ?? []),
      ...syncEndpoints(options),
      ...monitoringEndpoints(options, access),
    ]
    // The admin's parts, resolved through the import map: the sync health panel on the dashboard
    // (src/admin/SyncHealth.tsx), the sync console view and its nav link (src/admin/entries.tsx),
    // and per synced collection the sidebar box and the list column.
    config.collections = config.collections.map((collection) =>
      collections.has(collection.slug) ? withSyncAdmin(collection) : collection,
    )
    config.admin = {
      ...incomingConfig.admin,
      components: {
        ...incomingConfig.admin?.components,
        beforeDashboard: [
          ...(incomingConfig.admin?.components?.beforeDashboard ?? []),
          syncHealthComponent,
        ],
        afterNavLinks: [
          ...(incomingConfig.admin?.components?.afterNavLinks ?? []),
          syncNavLinkComponent,
        ],
        views: {
          ...incomingConfig.admin?.components?.views,
          supabaseSync: {
            Component: syncConsoleComponent,
            path: syncConsolePath,
            exact: true,
            meta: { title: 'Supabase sync console' },
          },
        },
      },
    }
    // The command's module sits beside this one (.ts under tsx in development, .js once built).
    const here = fileURLToPath(import.meta.url)
    config.bin = [
      ...(incomingConfig.bin ?? []),
      {
        key: 'supabase-sync',
        scriptPath: path.join(path.dirname(here), 'ops', `cli${path.extname(here)}`),
      },
    ]

    // Where a reloaded config's options are found by the running plugin (lifecycle/reload.ts).
    config.custom = { ...incomingConfig.custom, [optionsKey]: { options: () => options } }
    config.onInit = async (payload) => {
      if (incomingConfig.onInit) await incomingConfig.onInit(payload)
      runtime = await startSync(payload, options)
    }
    return config
  }

export { eventsSlug, stateSlug }
