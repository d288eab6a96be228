/**
 * A wrong option as a ConfigError that names it (`queue.staleAfter`, `collections.posts.mapper`), with
 * the closest known name when the key is unknown (a typo).
 */
import type { z } from 'zod'
import { deepest } from './config-issue.js'
import { ConfigError } from './errors.js'
import { alertsOptionsSchema } from './monitoring/alert-options.js'
import {
  collectionOptionsSchema,
  pluginOptionsSchema,
  queueOptionsSchema,
  retryOptionsSchema,
} from './options.js'
import { closest } from './suggest.js'

/** The option names an object of the options takes, by its path (`queue`, `collections.posts`, …). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  const at = path.map(String)
  if (at.length === 0) return Object.keys(pluginOptionsSchema.shape)
  if (at[0] === 'queue') return Object.keys(queueOptionsSchema.shape)
  if (at[0] === 'retry') return Object.keys(retryOptionsSchema.shape)
  if (at[0] === 'collections' && at.length === 2) return Object.keys(collectionOptionsSchema.shape)
  if (at[0] === 'supabase') return ['url', 'serviceRoleKey', 'client']
  if (at[0] === 'access') return ['read', 'sync', 'pull', 'reset']
  if (at[0] === 'alerts' && at[1] === 'rules')
    return Object.keys(alertsOptionsSchema.shape.rules.unwrap().shape)
  if (at[0] === 'alerts') return Object.keys(alertsOptionsSchema.shape)
  if (at[0] === 'checks') return ['schedule', 'queue']
  if (at[0] === 'health') return ['pendingOlderThan', 'token']
  if (at[0] === 'events' || at[0] === 'history') return ['retentionDays']
  if (at[0] === 'metrics') return ['token']
  if (at[0] === 'realtime') return ['onExternalChange', 'massInsertLimit']
  return []
}

/** The ConfigError for a failed parse's first issue: the deepest issue in it, by its option's path. */
export function configError(union: z.core.$ZodIssue): ConfigError {
  const issue = deepest(union)
  const at = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const key = String(issue.keys[0])
    const option = [...at, key].join('.')
    const suggestion = closest(key, knownKeys(issue.path))
    return new ConfigError(
      `supabase-sync: unknown option "${option}"${suggestion ? ` — did you mean "${[...at, suggestion].join('.')}"?` : ''}`,
      option,
    )
  }
  const option = at.join('.') || '(options)'
  return new ConfigError(`supabase-sync: option "${option}" ${issue.message}`, option)
}
