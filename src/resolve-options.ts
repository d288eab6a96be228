/**
 * Resolving the options the plugin is given: validated and defaulted by the schema (options.ts),
 * the ready mapper for `dealers`, the Supabase project from the environment when no option names it,
 * and the checks no schema can make. A wrong option is a ConfigError naming it while the Payload config
 * is built.
 */
import { ConfigError } from './errors.js'
import { dealerMapper } from './mapping/dealer.js'
import type { SyncMapper } from './mapping/types.js'
import { configError } from './option-error.js'
import { pluginOptionsSchema, type ResolvedOptions, type SupabaseSyncOptions } from './options.js'

/** Validates the options; a wrong one is a ConfigError whose message names it. */
export function resolveOptions(
  input: SupabaseSyncOptions | undefined,
  env: Record<string, string | undefined> = process.env,
): ResolvedOptions {
  const parsed = pluginOptionsSchema.safeParse(input ?? {})
  if (!parsed.success) throw configError(parsed.error.issues[0])
  const options = parsed.data
  for (const [slug, collection] of Object.entries(options.collections)) {
    if (collection.mapper) continue
    if (slug !== 'dealers') {
      throw new ConfigError(
        `supabase-sync: option "collections.${slug}.mapper" is required: only "dealers" has a ready mapper (write one with defineMapper({ rowSchema, toRow }))`,
        `collections.${slug}.mapper`,
      )
    }
    collection.mapper = dealerMapper as unknown as SyncMapper
  }
  if (!options.supabase && !options.disabled) {
    const missing = ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'].filter((name) => !env[name])
    if (missing.length) {
      throw new ConfigError(
        `supabase-sync: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (or pass the option supabase: { url, serviceRoleKey })`,
        'supabase',
      )
    }
    return resolveOptions(
      {
        ...(input ?? {}),
        supabase: { url: env.SUPABASE_URL!, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY! },
      } as SupabaseSyncOptions,
      env,
    )
  }
  if (!options.disabled) staleAfterCheck(options as ResolvedOptions)
  return options as ResolvedOptions
}

/**
 * A job is released as stale once processing longer than `queue.staleAfter`: shorter than one
 * delivery takes at the least when Supabase is slow (twice, for a conflict's second delivery with
 * its partners: every try of `timeoutMs` and the waits between), a job still being delivered would
 * be taken again. A lower bound, not the longest: a delivery may make more requests than these.
 */
function staleAfterCheck(options: ResolvedOptions): void {
  const { retries, maxTimeout, maxRetryAfter } = options.retry
  const longest = 2 * ((retries + 1) * options.timeoutMs + retries * (maxTimeout + maxRetryAfter))
  if (options.queue.staleAfter > longest) return
  throw new ConfigError(
    `supabase-sync: option "queue.staleAfter" (${options.queue.staleAfter} ms) must exceed what a delivery can take at the least, ${longest} ms (2 × ((retry.retries + 1) × timeoutMs + retry.retries × (retry.maxTimeout + retry.maxRetryAfter))): a job still being delivered would be released and taken again`,
    'queue.staleAfter',
  )
}
