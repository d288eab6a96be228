/**
 * The dashboard's sync health panel: a React Server Component the plugin adds to
 * `admin.components.beforeDashboard` as `payload-plugin-supabase-sync/rsc#SyncHealth`.
 *
 * It reads the sync status on the server while the dashboard renders and shows whether Supabase
 * answers (and how fast), the sync jobs (pending, processing, failed, the oldest pending one's age),
 * and per synced collection the documents and rows (as counts: equal counts do not mean equal rows),
 * what the last check found (missing, extra, changed rows) and how long ago, the last reconcile, an
 * OK / attention verdict, and links to the sync console (`/admin/supabase-sync`) and the audit trail
 * (`supabase-sync-events`).
 *
 * Plain JSX styled with Payload's CSS variables (light and dark theme): no client JavaScript, no
 * dependency. Renders nothing without a logged-in user, when the plugin's `access` option refuses the
 * user, or when the plugin is not running on this Payload (disabled).
 */
import type { ReactNode } from 'react'
import type { ServerProps } from 'payload'
import { eventsSlug } from '../collections/events.js'
import { findRuntime } from '../lifecycle/registry.js'
import { HealthDetails } from './HealthDetails.js'
import { adminUrlOf, consolePath } from './server/adminUrl.js'
import { loadHealth } from './server/health.js'
import { rightsOfUser } from './server/rights.js'
import { badge, styles } from './styles.js'

const baseClass = 'supabase-sync-health'

export async function SyncHealth(props: ServerProps): Promise<ReactNode> {
  const { payload, user } = props
  const runtime = payload ? findRuntime(payload) : undefined
  if (!runtime || !(await rightsOfUser(runtime, payload, user)).read) return null

  const { status, health, problems, runs } = await loadHealth(payload, runtime)
  const ok = Boolean(health?.ok)
  const adminUrl = adminUrlOf(payload)
  const checkedAt = new Date().toISOString().slice(11, 19)

  return (
    <section
      className={baseClass}
      data-state={ok ? 'ok' : 'attention'}
      aria-label="Supabase sync health"
      style={styles.panel}
    >
      <div style={styles.sectionHeader}>
        <h2 style={styles.title}>Supabase sync</h2>
        <span className={`${baseClass}__badge`} style={badge(ok)}>
          {ok ? 'OK' : 'Needs attention'}
        </span>
        <span style={styles.spacer} />
        <span style={styles.muted}>checked {checkedAt} UTC</span>
        <a href={adminUrl(consolePath)} style={styles.link}>
          Open the sync console →
        </a>
        <a href={adminUrl(`/collections/${eventsSlug}`)} style={styles.link}>
          Sync events →
        </a>
      </div>

      {problems.length > 0 ? (
        <ul className={`${baseClass}__problems`} style={styles.problems}>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}

      {status && health ? (
        <HealthDetails status={status} health={health} runs={runs} adminUrl={adminUrl} />
      ) : null}
    </section>
  )
}
