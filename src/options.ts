/**
 * The plugin's options: a zod schema, its defaults, and the resolved type the rest of the code uses.
 * resolve-options.ts applies them (a wrong option is a ConfigError naming it, option-error.ts).
 */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { PayloadRequest } from 'payload'
import type { Logger } from 'pino'
import { z } from 'zod'
import { dealerMapper } from './mapping/dealer.js'
import type { Doc, SyncMapper } from './mapping/types.js'
import { alertsOptionsSchema } from './monitoring/alert-options.js'
import { cronSchema } from './monitoring/check-schedule.js'
import { externalChangePolicySchema, realtimeOptionsSchema } from './realtime/options.js'

export type { Alert, AlertsOptions } from './monitoring/alert-options.js'

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
const accessFunction = z.custom<AccessFunction>(isFunction, {
  error: 'must be a function ({ req }) => boolean',
})

export const collectionOptionsSchema = z.strictObject({
  /** The Supabase table (schema public). */
  table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a plain table name' }),
  /** Required, except for `dealers` (the ready dealers mapper). */
  mapper: mapperSchema.optional(),
  /** Documents that fail it are kept out of (and removed from) Supabase. */
  shouldSync: z
    .custom<(doc: Doc) => boolean>(isFunction, { error: 'must be a function (doc) => boolean' })
    .optional(),
  /** Watch this table for changes made in Supabase directly (default: the global `realtime`). */
  realtime: z.boolean().optional(),
  /** What such a change gets here (default: the global `realtime.onExternalChange`, else `revert`). */
  onExternalChange: externalChangePolicySchema.optional(),
  /**
   * Documents per page of a reconcile or check (`sync`, `reset`, `validate`, startup), read from Payload
   * a quarter of a page at a time: a few pages are held at once. Lower it for documents with large
   * fields the mapper reads.
   */
  pageSize: z.number().int().min(1).max(1_000).default(1_000),
})

export const retryOptionsSchema = z.strictObject({
  /** In-process retries of one request (p-retry) before the job's own retries take over. */
  retries: z.number().int().min(0).max(20).default(3),
  minTimeout: z.number().int().min(0).default(200),
  maxTimeout: z.number().int().min(0).default(2_000),
  factor: z.number().min(1).default(2),
  /** The longest Retry-After honoured in-process; longer waits are left to the job queue. */
  maxRetryAfter: z.number().int().min(0).default(10_000),
  /**
   * writeMode 'upsert': a write that got no answer may still commit later (PostgREST never cancels a
   * request whose client left), over a newer one: its documents are delivered again this long after
   * (hosted Supabase: PostgREST's wait for a connection, 10 s, plus the statement timeout, 8 s).
   */
  lateWriteRecheck: z.number().int().min(0).default(20_000),
})

export const queueOptionsSchema = z.strictObject({
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
  /**
   * A sync job that Payload's runner has marked processing for longer than this (ms) is released:
   * pending again. Its runner died (a serverless function killed at its time limit), and Payload
   * would skip every later job of that document behind it. Longer than a delivery can take.
   */
  staleAfter: z.number().int().min(1_000).default(300_000),
})

export const pluginOptionsSchema = z.strictObject({
  disabled: z.boolean().default(false),
  supabase: z
    .union([
      z.strictObject({
        // http(s) only: a postgres:// URL (the database's, a common mix-up) passed z.url().
        url: z.url({
          protocol: /^https?$/,
          error: 'must be the project URL, e.g. https://xyz.supabase.co (not the database URL)',
        }),
        serviceRoleKey: z.string().min(20, { error: 'must be the service-role key (a JWT)' }),
      }),
      z.strictObject({
        client: z.custom<SupabaseClient>(
          (v) => typeof v === 'object' && v !== null && isFunction((v as SupabaseClient).from),
          {
            error: 'must be a supabase-js client',
          },
        ),
      }),
    ])
    .optional(),
  collections: z.record(z.string(), collectionOptionsSchema).default({
    dealers: { table: 'dealers', mapper: dealerMapper as unknown as SyncMapper, pageSize: 1_000 },
  }),
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
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        isFunction((v as Logger).child) &&
        isFunction((v as Logger).info),
      {
        error: 'must be a pino logger',
      },
    )
    .optional(),
  /** `GET /api/supabase-sync/metrics` for Prometheus: `Authorization: Bearer <token>`, or a user with `read`. */
  metrics: z
    .strictObject({
      token: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    })
    .default({}),
  /** `GET /api/supabase-sync/health`: a pending change older than this is degraded; the token shows the reasons. */
  health: z
    .strictObject({
      pendingOlderThan: z.number().int().min(0).default(60_000),
      token: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    })
    .default({ pendingOlderThan: 60_000 }),
  /** Scheduled consistency checks: validate every collection on this cron (six fields, with seconds); `false`: none. */
  checks: z
    .strictObject({
      schedule: z.union([cronSchema, z.literal(false)]).default('0 */15 * * * *'),
      queue: z.string().min(1).default('supabase-sync-checks'),
    })
    .default({ schedule: '0 */15 * * * *', queue: 'supabase-sync-checks' }),
  /**
   * Watch the synced tables through Supabase Realtime (`postgres_changes`) and handle changes made
   * there directly within a second; off by default (the scheduled checks find them otherwise).
   */
  realtime: realtimeOptionsSchema.default(false),
  /** Where alerts go; without one of webhook, email and onAlert, no alert is evaluated. */
  alerts: alertsOptionsSchema.optional(),
  /** Per-minute rollups of deliveries, failures, requests, lag and pending (for the console's charts); `false`: none. */
  history: z
    .union([
      z.strictObject({ retentionDays: z.number().int().min(1).max(366).default(7) }),
      z.literal(false),
    ])
    .default({ retentionDays: 7 }),
  /**
   * The Sync events (audit trail) are deleted once older than `retentionDays` (an hourly job, once
   * across instances); `false`: kept for ever.
   */
  events: z
    .strictObject({
      retentionDays: z.union([z.number().int().min(1), z.literal(false)]).default(90),
    })
    .default({ retentionDays: 90 }),
  /**
   * Who may look at and who may change the sync (default: users of the admin's user collection, for
   * everything). A function applies to all; an object sets `read` (status, validate, the dashboard
   * panel, the Sync events), `sync` (sync, retry), `pull` and `reset` (default: as `sync`) each.
   */
  access: z
    .union([
      accessFunction,
      z.strictObject({
        read: accessFunction.optional(),
        sync: accessFunction.optional(),
        pull: accessFunction.optional(),
        reset: accessFunction.optional(),
      }),
    ])
    .optional(),
})

export type SupabaseSyncOptions = z.input<typeof pluginOptionsSchema>
/** The options after checks and defaults: every synced collection has its mapper. */
export type ResolvedOptions = Omit<z.output<typeof pluginOptionsSchema>, 'collections'> & {
  collections: Record<
    string,
    Omit<z.output<typeof collectionOptionsSchema>, 'mapper'> & { mapper: SyncMapper }
  >
}
export type CollectionSyncOptions = z.input<typeof collectionOptionsSchema>
export type ResolvedCollectionOptions = z.output<typeof collectionOptionsSchema>
export type RetryOptions = z.output<typeof retryOptionsSchema>
export type QueueOptions = z.output<typeof queueOptionsSchema>
