/** The `alerts` option: where alerts go, how often, and which rules fire (its own module: options.ts stays readable). */
import { z } from 'zod'

const isFunction = (v: unknown) => typeof v === 'function'

export interface Alert {
  /** firing: it started (or still holds, after `cooldown`); resolved: it cleared. */
  state: 'firing' | 'resolved'
  rule:
    | 'supabase-unreachable'
    | 'failed-jobs'
    | 'pending-age'
    | 'drift'
    | 'startup-reconcile'
    | 'mass-delete'
    | 'external-change'
  collection?: string
  /** One line: what Slack shows. */
  text: string
  counts?: Record<string, number>
  /** The first ids concerned, if any. */
  ids?: string[]
  /** The console, to look closer. */
  link?: string
  since: string
  at: string
}

export const alertsOptionsSchema = z.strictObject({
  /** A URL that gets every alert as JSON (`{ text, … }`: Slack's incoming webhooks and generic receivers accept it). */
  webhook: z.url({ error: 'must be a URL' }).optional(),
  /** Addresses that get every alert by e-mail, through Payload's email adapter. */
  email: z
    .strictObject({ to: z.array(z.email({ error: 'must be e-mail addresses' })).min(1) })
    .optional(),
  /** Your own handler (PagerDuty, Sentry, …). */
  onAlert: z
    .custom<(alert: Alert) => void | Promise<void>>(isFunction, {
      error: 'must be a function (alert) => void',
    })
    .optional(),
  /** A firing alert is sent again at most this often while it lasts (ms). */
  cooldown: z.number().int().min(1_000).default(3_600_000),
  /** How often this instance evaluates the rules (ms). */
  evaluateEvery: z.number().int().min(100).default(5_000),
  /** Thresholds; `false` turns a rule off. */
  rules: z
    .strictObject({
      unreachableFor: z.union([z.number().int().min(0), z.literal(false)]).default(60_000),
      failedJobs: z.boolean().default(true),
      pendingOlderThan: z.union([z.number().int().min(0), z.literal(false)]).default(600_000),
      drift: z.boolean().default(true),
      startupReconcile: z.boolean().default(true),
      massDelete: z.boolean().default(true),
      /** Rows changed in Supabase directly, caught by the realtime watch: one alert per burst, resolved after this long without one (ms). */
      externalChange: z.union([z.number().int().min(1_000), z.literal(false)]).default(60_000),
    })
    .default({
      unreachableFor: 60_000,
      failedJobs: true,
      pendingOlderThan: 600_000,
      drift: true,
      startupReconcile: true,
      massDelete: true,
      externalChange: 60_000,
    }),
})
export type AlertsOptions = z.output<typeof alertsOptionsSchema>
