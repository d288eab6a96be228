/**
 * The health facts (Supabase reachable and its latency, pending / processing / failed jobs, the oldest
 * pending age) and the per-collection table (documents and rows as counts, the last check's drift with
 * its age, the last reconcile), as the dashboard panel and the console's header both show them. Plain
 * JSX with Payload's theme variables: it renders under plain Node too (no `@payloadcms/ui`).
 */
import type { ReactNode } from 'react'
import type { StatusResult } from '../ops/status.js'
import { driftText, formatAge, type CollectionHealth, type SyncHealth } from './health.js'
import type { AdminUrl } from './server/adminUrl.js'
import type { LastRun } from './server/lastRuns.js'
import { styles } from './styles.js'

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

function JobFacts({ status }: { status: StatusResult }) {
  return (
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
        {status.jobs.oldestPendingAgeMs === null ? '—' : formatAge(status.jobs.oldestPendingAgeMs)}
      </Fact>
    </div>
  )
}

export function HealthDetails({
  status,
  health,
  runs,
  adminUrl,
}: {
  status: StatusResult
  health: SyncHealth
  runs: Map<string, LastRun>
  adminUrl: AdminUrl
}) {
  const th = styles.healthTh
  const td = styles.healthTd
  return (
    <>
      <JobFacts status={status} />
      <table className="supabase-sync-health__collections" style={styles.table}>
        <thead>
          <tr>
            <th style={th}>Collection</th>
            <th style={th}>Supabase table</th>
            <th style={th}>Documents</th>
            <th style={th}>Rows in Supabase</th>
            <th style={th}>Last check</th>
            <th style={th}>Last reconcile</th>
          </tr>
        </thead>
        <tbody>
          {health.collections.map((c) => {
            const last = runs.get(c.collection)
            return (
              <tr key={c.collection} data-collection={c.collection}>
                <td style={td}>
                  <a href={adminUrl(`/collections/${c.collection}`)} style={styles.link}>
                    {c.collection}
                  </a>
                </td>
                <td style={td}>
                  <code>{c.table}</code>
                  {c.realtimeNote ? (
                    <div style={styles.muted} data-realtime>
                      {c.realtimeNote}
                    </div>
                  ) : null}
                </td>
                <td style={{ ...td, ...styles.num }}>{c.documents}</td>
                <td style={td}>
                  <RowsCell c={c} />
                  {c.countNote ? <div style={styles.muted}>{c.countNote}</div> : null}
                  {c.countAgeMs !== undefined ? (
                    <div style={styles.muted} data-counted-ago>
                      documents and rows counted {formatAge(c.countAgeMs)} ago
                    </div>
                  ) : null}
                </td>
                <td style={td} data-drift={c.drift ?? undefined}>
                  <CheckCell c={c} />
                </td>
                <td style={td}>
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
