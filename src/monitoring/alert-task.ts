/**
 * Sending an alert, a job per channel (each retried with backoff on its own, never in the way of
 * delivery; one failing — an SMTP server down — sent the others again with every retry): to the
 * webhook (JSON with a `text` line that Slack shows, and the structured fields), by e-mail through
 * Payload's email adapter, and to the app's `onAlert`.
 */
import type { Payload, TaskConfig } from 'payload'
import type { Alert, ResolvedOptions } from '../options.js'

export const alertTaskSlug = 'supabase-sync-alert'

/** Where an alert goes; each is a job of its own, so that one failing is not a reason to send another twice. */
export type AlertChannel = 'webhook' | 'email' | 'onAlert'

/** The channels the options configure. */
export function alertChannels(options: ResolvedOptions): AlertChannel[] {
  const alerts = options.alerts
  if (!alerts) return []
  return [
    ...(alerts.webhook ? (['webhook'] as const) : []),
    ...(alerts.email ? (['email'] as const) : []),
    ...(alerts.onAlert ? (['onAlert'] as const) : []),
  ]
}

/** Sends to `channel`, or (a job queued by an older version) to every channel. */
export async function sendAlert(
  payload: Payload,
  options: ResolvedOptions,
  alert: Alert,
  channel?: AlertChannel,
): Promise<void> {
  const alerts = options.alerts
  if (!alerts) return
  const to = (c: AlertChannel) => channel === undefined || channel === c
  if (alerts.webhook && to('webhook')) {
    const response = await fetch(alerts.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(10_000),
    })
    if (!response.ok) throw new Error(`the alert webhook answered ${response.status}`)
  }
  if (alerts.email && to('email')) {
    const lines = [
      alert.text,
      '',
      `state: ${alert.state}`,
      `rule: ${alert.rule}${alert.collection ? ` (${alert.collection})` : ''}`,
      `since: ${alert.since}`,
      ...Object.entries(alert.counts ?? {}).map(([k, v]) => `${k}: ${v}`),
      ...(alert.ids?.length ? [`ids: ${alert.ids.join(', ')}`] : []),
      ...(alert.link ? ['', alert.link] : []),
    ]
    await payload.sendEmail({ to: alerts.email.to, subject: alert.text, text: lines.join('\n') })
  }
  if (to('onAlert')) await alerts.onAlert?.(alert)
}

export function alertTask(
  options: ResolvedOptions,
): TaskConfig<{ input: { alert: Alert; channel?: AlertChannel }; output: object }> {
  return {
    slug: alertTaskSlug,
    label: 'Send a Supabase sync alert',
    inputSchema: [
      { name: 'alert', type: 'json', required: true },
      { name: 'channel', type: 'text' },
    ],
    retries: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 } },
    handler: async ({ input, req }) => {
      await sendAlert(req.payload, options, input.alert, input.channel)
      return { output: {} }
    },
  }
}
