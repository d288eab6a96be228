/**
 * The dashboard's sync health panel: a React Server Component the plugin adds to
 * `admin.components.beforeDashboard` as `payload-plugin-supabase-sync/rsc#SyncHealth`.
 *
 * It runs `syncStatus(payload)` on the server while the dashboard renders and shows, per synced
 * collection, documents in Payload against rows in Supabase, whether Supabase answers (and how fast),
 * the sync jobs (pending, processing, failed, the oldest pending one's age), the last reconcile, an
 * OK / attention verdict, and a link to the audit trail (`supabase-sync-events`).
 *
 * Plain JSX styled with Payload's CSS variables (light and dark theme): no client JavaScript, no
 * dependency. Renders nothing without a logged-in user, when the plugin's `access` option refuses the
 * user, or when the plugin is not running on this Payload (disabled).
 */
import type { CSSProperties, ReactNode } from 'react'
import { createLocalReq, type Payload, type ServerProps } from 'payload'
import { formatAdminURL } from 'payload/shared'
import { eventsSlug } from '../collections/events.js'
import { syncStatus, type StatusResult } from '../ops/status.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { allowed, resolveAccess } from '../ops/access.js'
import { assessHealth, formatAge, shortError, type CollectionHealth } from './health.js'
import { findRuntime } from '../lifecycle/registry.js'

/** The dashboard does not wait longer than this for the status (a hanging Supabase retries for long). */
export const statusTimeoutMs = 5_000

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

type LastRun = { text: string; ok: boolean }

interface Loaded {
  status?: StatusResult
  error?: string
  /** Latest reconcile-like audit event per collection, for collections this process has not reconciled. */
  events: Map<string, LastRun>
}

/** For users with the plugin's `read` right only (by default: users of the admin's user collection). */
async function mayShow(
  runtime: SyncRuntime,
  payload: Payload,
  user: ServerProps['user'],
): Promise<boolean> {
  if (!user) return false
  try {
    const req = await createLocalReq({ user: user as never }, payload)
    return await allowed(resolveAccess(runtime.options.access), 'read', req)
  } catch {
    return false
  }
}

async function load(payload: Payload): Promise<Loaded> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`no answer within ${statusTimeoutMs / 1000} s (Supabase slow or down?)`)),
      statusTimeoutMs,
    )
  })
  const loaded: Loaded = { events: new Map() }
  try {
    loaded.status = await Promise.race([syncStatus(payload), timeout])
  } catch (error) {
    loaded.error = error instanceof Error ? error.message : String(error)
  } finally {
    clearTimeout(timer)
  }
  for (const c of loaded.status?.collections ?? []) {
    if (c.lastReconcile) continue
    try {
      const { docs } = await payload.find({
        collection: eventsSlug,
        where: {
          and: [
            { collectionSlug: { equals: c.collection } },
            { action: { in: ['reconcile', 'sync', 'reset', 'validate'] } },
          ],
        },
        sort: '-createdAt',
        limit: 1,
        depth: 0,
        pagination: false,
        overrideAccess: true,
      })
      const event = docs[0] as
        { action?: string; outcome?: string; summary?: string; createdAt?: string } | undefined
      if (event) {
        const age = event.createdAt
          ? ` · ${formatAge(Date.now() - Date.parse(event.createdAt))} ago`
          : ''
        loaded.events.set(c.collection, {
          text: `${event.action}: ${event.summary ?? event.outcome ?? ''}${age}`,
          ok:
            !['failed', 'refused'].includes(event.outcome ?? '') &&
            !(event.action === 'validate' && event.outcome === 'drift'),
        })
      }
    } catch {
      // the audit trail is a nicety here
    }
  }
  return loaded
}

function lastRun(
  c: StatusResult['collections'][number],
  events: Loaded['events'],
): LastRun | undefined {
  const last = c.lastReconcile
  if (!last) return events.get(c.collection)
  const parts = [
    `${last.scanned} scanned`,
    `${last.upserted} upserted`,
    `${last.deleted} deleted`,
    `${last.unchanged} unchanged`,
    ...(last.queued ? [`${last.queued} queued`] : []),
    `${last.failed.length} failed`,
    ...(last.orphansKept ? [`${last.orphansKept} orphans kept`] : []),
  ]
  return {
    text: `${parts.join(', ')} in ${formatAge(last.ms)}${last.guard ? ` (guard: ${last.guard})` : ''}`,
    ok: !last.failed.length && !last.guard,
  }
}

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
  return (
    <span style={c.ok ? styles.num : { ...styles.num, ...styles.bad }}>
      {c.rows}
      {c.difference === 0 ? <span style={styles.good}> ✓</span> : null}
    </span>
  )
}

export async function SyncHealth(props: ServerProps): Promise<ReactNode> {
  const { payload, user } = props
  const runtime = payload ? findRuntime(payload) : undefined
  if (!runtime || !(await mayShow(runtime, payload, user))) return null

  const { status, error, events } = await load(payload)
  const health = status
    ? assessHealth(status, (slug) =>
        Boolean(runtime.collections.get(slug)?.drafts || runtime.collections.get(slug)?.shouldSync),
      )
    : undefined
  const ok = Boolean(health?.ok)
  const problems = health
    ? health.problems
    : [`the sync status could not be read: ${shortError(error ?? 'unknown error')}`]
  const { routes, serverURL } = payload.config
  const eventsUrl = formatAdminURL({
    adminRoute: routes.admin,
    path: `/collections/${eventsSlug}`,
    serverURL,
    relative: true,
    includeBasePath: true,
  })
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

      {status ? (
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
            <Fact label="Pending jobs">{status.jobs.pending}</Fact>
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
                <th style={styles.th}>Last reconcile</th>
              </tr>
            </thead>
            <tbody>
              {health!.collections.map((c, i) => {
                const last = lastRun(status.collections[i], events)
                return (
                  <tr key={c.collection} data-collection={c.collection}>
                    <td style={styles.td}>
                      <a
                        href={formatAdminURL({
                          adminRoute: routes.admin,
                          path: `/collections/${c.collection}`,
                          serverURL,
                          relative: true,
                          includeBasePath: true,
                        })}
                        style={styles.link}
                      >
                        {c.collection}
                      </a>
                    </td>
                    <td style={styles.td}>
                      <code>{c.table}</code>
                    </td>
                    <td style={{ ...styles.td, ...styles.num }}>{c.documents}</td>
                    <td style={styles.td}>
                      <RowsCell c={c} />
                      {c.note ? <div style={styles.muted}>{c.note}</div> : null}
                    </td>
                    <td style={styles.td}>
                      {last ? (
                        <span style={last.ok ? undefined : styles.bad}>{last.text}</span>
                      ) : (
                        <span style={styles.muted}>no drift recorded</span>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  )
}
