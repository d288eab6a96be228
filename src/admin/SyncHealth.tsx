/**
 * The dashboard's sync health panel: a React Server Component the plugin adds to
 * `admin.components.beforeDashboard` as `payload-plugin-supabase-sync/rsc#SyncHealth`.
 *
 * It runs `syncStatus(payload)` on the server while the dashboard renders and shows whether Supabase
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
import type { CSSProperties, ReactNode } from 'react'
import type { ServerProps } from 'payload'
import { formatAdminURL } from 'payload/shared'
import { eventsSlug } from '../collections/events.js'
import { findRuntime } from '../lifecycle/registry.js'
import type { StatusResult } from '../ops/status.js'
import {
  assessHealth,
  driftText,
  formatAge,
  shortError,
  type CollectionHealth,
  type SyncHealth as SyncHealthResult,
} from './health.js'
import {
  loadLastChecks,
  loadLastRuns,
  loadStatus,
  rightsOfUser,
  statusTimeoutMs,
  type LastRun,
} from './load.js'

export { statusTimeoutMs }

/** The sync console's path under the admin route (`admin.components.views`). */
export const consolePath = '/supabase-sync'

const baseClass = 'supabase-sync-health'

const styles = {
  panel: {
    border: '1px solid var(--theme-elevation-150)',
    borderRadius: 'var(--style-radius-m, 4px)',
    background: 'var(--theme-elevation-50)',
    padding: 'calc(var(--base) * 0.8) var(--base)',
    marginBottom: 'calc(var(--base) * 1.5)',
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: 'calc(var(--base) * 0.6)',
    flexWrap: 'wrap',
  },
  title: { margin: 0, fontSize: '1.1rem', lineHeight: 1.4 },
  badge: (ok: boolean): CSSProperties => ({
    display: 'inline-block',
    padding: '1px 10px',
    borderRadius: '999px',
    fontSize: '0.8rem',
    fontWeight: 600,
    color: ok ? 'var(--theme-success-800)' : 'var(--theme-error-800)',
    background: ok ? 'var(--theme-success-100)' : 'var(--theme-error-100)',
    border: `1px solid ${ok ? 'var(--theme-success-300)' : 'var(--theme-error-300)'}`,
  }),
  spacer: { flex: 1 },
  muted: { color: 'var(--theme-elevation-500)', fontSize: '0.85rem' },
  link: { color: 'var(--theme-text)', textDecoration: 'underline' },
  problems: {
    margin: 'calc(var(--base) * 0.4) 0 0',
    paddingLeft: 'calc(var(--base) * 1.2)',
    color: 'var(--theme-error-700)',
  },
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: 'calc(var(--base) * 0.4) calc(var(--base) * 1.6)',
    margin: 'calc(var(--base) * 0.6) 0',
  },
  fact: { display: 'flex', flexDirection: 'column' },
  factLabel: {
    color: 'var(--theme-elevation-500)',
    fontSize: '0.75rem',
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
  },
  table: { width: '100%', borderCollapse: 'collapse', fontSize: '0.9rem' },
  th: {
    textAlign: 'left',
    fontWeight: 500,
    color: 'var(--theme-elevation-500)',
    padding: '4px 12px 4px 0',
    borderBottom: '1px solid var(--theme-elevation-150)',
  },
  td: {
    padding: '6px 12px 6px 0',
    borderBottom: '1px solid var(--theme-elevation-100)',
    verticalAlign: 'top',
  },
  num: { fontVariantNumeric: 'tabular-nums' },
  good: { color: 'var(--theme-success-600)' },
  bad: { color: 'var(--theme-error-600)', fontWeight: 600 },
} satisfies Record<string, CSSProperties | ((ok: boolean) => CSSProperties)>

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div style={styles.fact}>
      <span style={styles.factLabel}>{label}</span>
      <span style={styles.num}>{children}</span>
    </div>
  )
}

function RowsCell({ c }: { c: CollectionHealth }) {
  if (c.rows === null) return <span style={styles.bad}>unknown</span>
  return <span style={styles.num}>{c.rows}</span>
}

function CheckCell({ c }: { c: CollectionHealth }) {
  if (!c.check) return <span style={styles.muted}>not checked yet</span>
  const age = `${formatAge(c.check.ageMs)} ago`
  return c.drift ? (
    <span style={styles.bad}>
      {driftText(c.check)} <span style={styles.muted}>· {age}</span>
    </span>
  ) : (
    <span>
      <span style={styles.good}>in sync</span> <span style={styles.muted}>· {age}</span>
    </span>
  )
}

/**
 * The health facts and the per-collection table, as the panel shows them; the sync console's header
 * shows the same.
 */
export function HealthDetails({
  status,
  health,
  runs,
  adminUrl,
}: {
  status: StatusResult
  health: SyncHealthResult
  runs: Map<string, LastRun>
  adminUrl: (path: string) => string
}) {
  return (
    <>
      <div style={styles.facts}>
        <Fact label="Supabase">
          {status.supabase.reachable ? (
            <span style={styles.good}>reachable · {status.supabase.ms} ms</span>
          ) : (
            <span style={styles.bad} title={status.supabase.error}>
              unreachable
            </span>
          )}
        </Fact>
        <Fact label="Pending jobs">
          {status.jobs.pending}
          {status.jobs.retrying ? (
            <span style={styles.muted}> ({status.jobs.retrying} retrying)</span>
          ) : null}
        </Fact>
        <Fact label="Processing">{status.jobs.processing}</Fact>
        <Fact label="Failed jobs">
          <span style={status.jobs.failed ? styles.bad : undefined}>{status.jobs.failed}</span>
        </Fact>
        <Fact label="Oldest pending">
          {status.jobs.oldestPendingAgeMs === null
            ? '—'
            : formatAge(status.jobs.oldestPendingAgeMs)}
        </Fact>
      </div>

      <table className={`${baseClass}__collections`} style={styles.table}>
        <thead>
          <tr>
            <th style={styles.th}>Collection</th>
            <th style={styles.th}>Supabase table</th>
            <th style={styles.th}>Documents</th>
            <th style={styles.th}>Rows in Supabase</th>
            <th style={styles.th}>Last check</th>
            <th style={styles.th}>Last reconcile</th>
          </tr>
        </thead>
        <tbody>
          {health.collections.map((c) => {
            const last: LastRun | undefined = runs.get(c.collection)
            return (
              <tr key={c.collection} data-collection={c.collection}>
                <td style={styles.td}>
                  <a href={adminUrl(`/collections/${c.collection}`)} style={styles.link}>
                    {c.collection}
                  </a>
                </td>
                <td style={styles.td}>
                  <code>{c.table}</code>
                </td>
                <td style={{ ...styles.td, ...styles.num }}>{c.documents}</td>
                <td style={styles.td}>
                  <RowsCell c={c} />
                  {c.countNote ? <div style={styles.muted}>{c.countNote}</div> : null}
                </td>
                <td style={styles.td} data-drift={c.drift ?? undefined}>
                  <CheckCell c={c} />
                </td>
                <td style={styles.td}>
                  {last ? (
                    <span style={last.ok ? undefined : styles.bad}>{last.text}</span>
                  ) : (
                    <span style={styles.muted}>none recorded</span>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </>
  )
}

export async function SyncHealth(props: ServerProps): Promise<ReactNode> {
  const { payload, user } = props
  const runtime = payload ? findRuntime(payload) : undefined
  if (!runtime || !(await rightsOfUser(runtime, payload, user)).read) return null

  const { status, error } = await loadStatus(payload)
  const [checks, runs] = await Promise.all([
    loadLastChecks(payload, runtime),
    loadLastRuns(payload, status),
  ])
  const health = status
    ? assessHealth(status, {
        mayDiffer: (slug) =>
          Boolean(
            runtime.collections.get(slug)?.drafts || runtime.collections.get(slug)?.shouldSync,
          ),
        lastCheck: (slug) => checks.get(slug),
      })
    : undefined
  const ok = Boolean(health?.ok)
  const problems = health
    ? health.problems
    : [`the sync status could not be read: ${shortError(error ?? 'unknown error')}`]
  const { routes, serverURL } = payload.config
  const adminUrl = (path: string) =>
    formatAdminURL({
      adminRoute: routes.admin,
      path: path as `/${string}`,
      serverURL,
      relative: true,
      includeBasePath: true,
    })
  const eventsUrl = adminUrl(`/collections/${eventsSlug}`)
  const consoleUrl = adminUrl(consolePath)
  const checkedAt = new Date().toISOString().slice(11, 19)

  return (
    <section
      className={baseClass}
      data-state={ok ? 'ok' : 'attention'}
      aria-label="Supabase sync health"
      style={styles.panel}
    >
      <div style={styles.header}>
        <h2 style={styles.title}>Supabase sync</h2>
        <span className={`${baseClass}__badge`} style={styles.badge(ok)}>
          {ok ? 'OK' : 'Needs attention'}
        </span>
        <span style={styles.spacer} />
        <span style={styles.muted}>checked {checkedAt} UTC</span>
        <a href={consoleUrl} style={styles.link}>
          Open the sync console →
        </a>
        <a href={eventsUrl} style={styles.link}>
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
