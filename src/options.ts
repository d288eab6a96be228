/**
 * The plugin's options: a zod schema, its defaults, and the resolved type the rest of the code uses.
 * A wrong option is a ConfigError naming the option while the Payload config is built.
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { PayloadRequest } from 'payload'
import type { Logger } from 'pino'
import { z } from 'zod'
import { ConfigError } from './errors.js'
import { dealerMapper } from './mapping/dealer.js'
import type { Doc, SyncMapper } from './mapping/types.js'

const isFunction = (v: unknown) => typeof v === 'function'

const mapperSchema = z.custom<SyncMapper>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    isFunction((v as SyncMapper).toRow) &&
    typeof (v as SyncMapper).rowSchema?.safeParse === 'function',
  { error: 'must be a mapper: { rowSchema: a zod schema, toRow(doc), fromRow?(row) }' },
)

export type AccessFunction = (args: { req: PayloadRequest }) => boolean | Promise<boolean>
const accessFunction = z.custom<AccessFunction>(isFunction, { error: 'must be a function ({ req }) => boolean' })

export const collectionOptionsSchema = z.object({
  /** The Supabase table (schema public). */
  table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a plain table name' }),
  mapper: mapperSchema.default(dealerMapper as unknown as SyncMapper),
  /** Documents that fail it are kept out of (and removed from) Supabase. */
  shouldSync: z.custom<(doc: Doc) => boolean>(isFunction, { error: 'must be a function (doc) => boolean' }).optional(),
})

export const retryOptionsSchema = z.object({
  /** In-process retries of one request (p-retry) before the job's own retries take over. */
  retries: z.number().int().min(0).max(20).default(3),
  minTimeout: z.number().int().min(0).default(200),
  maxTimeout: z.number().int().min(0).default(2_000),
  factor: z.number().min(1).default(2),
  /** The longest Retry-After honoured in-process; longer waits are left to the job queue. */
  maxRetryAfter: z.number().int().min(0).default(10_000),
})

export const queueOptionsSchema = z.object({
  /** The Payload jobs queue the sync jobs go to. */
  name: z.string().min(1).default('supabase-sync'),
  /** Run the queue right after the transaction that queued a job commits. */
  runAfterCommit: z.boolean().default(true),
  /**
   * Sweep the queue every N ms in this process (picks up jobs of earlier processes and retries).
   * `false` for serverless hosts: trigger Payload's `/api/payload-jobs/run?queue=…` from a scheduler.
   */
  sweepInterval: z.union([z.number().int().min(100), z.literal(false)]).default(1_000),
  /** Jobs taken per run. */
  limit: z.number().int().min(1).max(10_000).default(500),
  /** First backoff of a failed delivery; doubles per attempt up to `maxBackoff`, and never gives up. */
  backoff: z.number().int().min(0).default(1_000),
  maxBackoff: z.number().int().min(0).default(30_000),
  /** Bounded retries of a 409 (a unique value freed by a change not delivered yet). */
  conflictAttempts: z.number().int().min(0).default(5),
})

export const pluginOptionsSchema = z.object({
  disabled: z.boolean().default(false),
  supabase: z
    .union([
      z.object({
        url: z.url({ error: 'must be the project URL, e.g. https://xyz.supabase.co' }),
        serviceRoleKey: z.string().min(20, { error: 'must be the service-role key (a JWT)' }),
      }),
      z.object({
        client: z.custom<SupabaseClient>((v) => typeof v === 'object' && v !== null && isFunction((v as SupabaseClient).from), {
          error: 'must be a supabase-js client',
        }),
      }),
    ])
    .optional(),
  collections: z
    .record(z.string(), collectionOptionsSchema)
    .default({ dealers: { table: 'dealers', mapper: dealerMapper as unknown as SyncMapper } }),
  syncOnInit: z.boolean().default(true),
  deleteOrphans: z.boolean().default(true),
  /** The mass-delete guard: never delete more than this fraction of a table unless forced. */
  maxDeleteFraction: z.number().min(0).max(1).default(0.5),
  /** Rows per write request (at most `maxRows`). */
  batchSize: z.number().int().min(1).max(5_000).default(500),
  /**
   * Your Supabase project's max-rows (PostgREST's db-max-rows; 1,000 unless changed): no read asks for
   * more rows per request and no write sends more, so that nothing is cut.
   */
  maxRows: z.number().int().min(10).max(100_000).default(1_000),
  /** `rpc` uses sql/002's function (stale-write guard); `upsert` is a plain upsert for projects without it. */
  writeMode: z.enum(['rpc', 'upsert']).default('rpc'),
  /** Timeout of one request to Supabase. */
  timeoutMs: z.number().int().min(100).default(15_000),
  retry: retryOptionsSchema.default(retryOptionsSchema.parse({})),
  queue: queueOptionsSchema.default(queueOptionsSchema.parse({})),
  logger: z
    .custom<Logger>((v) => typeof v === 'object' && v !== null && isFunction((v as Logger).child) && isFunction((v as Logger).info), {
      error: 'must be a pino logger',
    })
    .optional(),
  /**
   * Who may look at and who may change the sync (default: users of the admin's user collection, for
   * everything). A function applies to all; an object sets `read` (status, validate, the dashboard
   * panel, the Sync events), `sync` (sync, retry), `pull` and `reset` (default: as `sync`) each.
   */
  access: z
    .union([
      accessFunction,
      z.strictObject({ read: accessFunction.optional(), sync: accessFunction.optional(), pull: accessFunction.optional(), reset: accessFunction.optional() }),
    ])
    .optional(),
})

export type SupabaseSyncOptions = z.input<typeof pluginOptionsSchema>
export type ResolvedOptions = z.output<typeof pluginOptionsSchema>
export type CollectionSyncOptions = z.input<typeof collectionOptionsSchema>
export type ResolvedCollectionOptions = z.output<typeof collectionOptionsSchema>
export type RetryOptions = z.output<typeof retryOptionsSchema>
export type QueueOptions = z.output<typeof queueOptionsSchema>

/** Validates the options; a wrong one is a ConfigError whose message names it. */
export function resolveOptions(input: SupabaseSyncOptions | undefined, env: Record<string, string | undefined> = process.env): ResolvedOptions {
  const parsed = pluginOptionsSchema.safeParse(input ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const option = issue.path.map(String).join('.') || '(options)'
    throw new ConfigError(`supabase-sync: option "${option}" ${issue.message}`, option)
  }
  const options = parsed.data
  if (!options.supabase && !options.disabled) {
    const url = env.SUPABASE_URL
    const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY
    if (!url || !serviceRoleKey) {
      throw new ConfigError(
        'supabase-sync: option "supabase" is missing: pass { url, serviceRoleKey } or { client }, or set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY',
        'supabase',
      )
    }
    return resolveOptions({ ...(input ?? {}), supabase: { url, serviceRoleKey } } as SupabaseSyncOptions, env)
  }
  return options
}
