/**
 * Sending an alert, as a job of its own (retried with backoff, never in the way of delivery): to the
 * webhook (JSON with a `text` line that Slack shows, and the structured fields), by e-mail through
 * Payload's email adapter, and to the app's `onAlert`.
 */
import type { Payload, TaskConfig } from 'payload'
import type { Alert, ResolvedOptions } from '../options.js'

export const alertTaskSlug = 'supabase-sync-alert'

export async function sendAlert(
  payload: Payload,
  options: ResolvedOptions,
  alert: Alert,
): Promise<void> {
  const alerts = options.alerts
  if (!alerts) return
  if (alerts.webhook) {
    const response = await fetch(alerts.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(10_000),
    })
    if (!response.ok) throw new Error(`the alert webhook answered ${response.status}`)
  }
  if (alerts.email) {
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
  await alerts.onAlert?.(alert)
}

export function alertTask(
  options: ResolvedOptions,
): TaskConfig<{ input: { alert: Alert }; output: object }> {
  return {
    slug: alertTaskSlug,
    label: 'Send a Supabase sync alert',
    inputSchema: [{ name: 'alert', type: 'json', required: true }],
    retries: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 } },
    handler: async ({ input, req }) => {
      await sendAlert(req.payload, options, input.alert)
      return { output: {} }
    },
  }
}
