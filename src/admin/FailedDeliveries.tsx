/**
 * The console's "Failed deliveries": every delivery that failed for good (`status.failures`), with
 * the document, the cause, the attempts and the last try — counted in documents, in the header and
 * under the list alike (present/failedCounts.ts) — and **Retry** / **Retry all** for users with
 * the `sync` right (through `POST …/retry`, recorded in the Sync events). A server component. Titles
 * are read as the viewing user (a document the user may not read shows its id), and the status comes
 * with the causes of such documents replaced (`statusForReader`).
 */
import type { Payload, PayloadRequest } from 'payload'
import type { StatusResult } from '../ops/status.js'
import { RetryButton } from './client/RetryButton.js'
import { formatAge } from './health.js'
import { describeFailure } from './present/documentState.js'
import { failedCounts } from './present/failedCounts.js'
import { documentPath } from './present/links.js'
import type { AdminUrl } from './server/adminUrl.js'
import { loadTitles } from './server/titles.js'
import { styles } from './styles.js'

type Failure = StatusResult['failures'][number]

async function titlesOf(payload: Payload, failures: Failure[], req: PayloadRequest) {
  const titles = new Map<string, Map<string, string>>()
  for (const slug of new Set(failures.map((f) => f.collection))) {
    const ids = failures.filter((f) => f.collection === slug).map((f) => f.id)
    titles.set(slug, await loadTitles(payload, slug, ids, req))
  }
  return titles
}

export async function FailedDeliveries(props: {
  payload: Payload
  /** The viewing user's request: titles under the collection's read access. */
  req: PayloadRequest
  status: StatusResult | undefined
  canRetry: boolean
  adminUrl: AdminUrl
}) {
  const { status, canRetry, adminUrl } = props
  const failures = status?.failures ?? []
  const titles = await titlesOf(props.payload, failures, props.req)
  const slugs = [...new Set(failures.map((f) => f.collection))]
  /** Every failed document of a collection, not only those listed: what Retry all delivers. */
  const failedIn = (slug: string) =>
    status?.collections.find((c) => c.collection === slug)?.failed ??
    failures.filter((f) => f.collection === slug).length
  const counts = failedCounts(status)
  return (
    <section
      style={styles.section}
      aria-label="Failed deliveries"
      className="supabase-sync-console__failures"
      id="failed-deliveries"
    >
      <div style={styles.sectionHeader}>
        <h2 style={styles.h2}>
          Failed deliveries <span style={styles.muted}>({counts.heading})</span>
        </h2>
        <span style={styles.spacer} />
        {canRetry
          ? slugs.map((slug) => <RetryButton key={slug} collection={slug} count={failedIn(slug)} />)
          : null}
      </div>
      {failures.length === 0 ? (
        <p style={styles.muted}>None: every delivery went through or is still being retried.</p>
      ) : (
        <div className="table" style={styles.tableWrap}>
          <table style={styles.table}>
            <thead>
              <tr>
                <th style={styles.th}>Document</th>
                <th style={styles.th}>Cause</th>
                <th style={styles.th}>Attempts</th>
                <th style={styles.th}>Last try</th>
                <th style={styles.th}>Next try</th>
                <th style={styles.th}>
                  <span style={styles.srOnly}>Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {failures.map((f) => {
                const title = titles.get(f.collection)?.get(f.id)
                return (
                  <tr key={`${f.collection}:${f.id}`} data-id={f.id}>
                    <td style={styles.td}>
                      <a href={adminUrl(documentPath(f.collection, f.id))} style={styles.link}>
                        {title ?? f.id}
                      </a>
                      <div style={styles.muted}>{f.collection}</div>
                    </td>
                    <td style={styles.td} className="supabase-sync-failure__cause">
                      {f.error ? describeFailure(f.error) : 'unknown'}
                    </td>
                    <td style={{ ...styles.td, ...styles.num }}>{f.totalTried}</td>
                    <td style={styles.td}>{formatAge(Date.now() - Date.parse(f.updatedAt))} ago</td>
                    <td style={styles.td}>
                      <span style={styles.muted}>
                        none: failed for good — on Retry, or the document&apos;s next save
                      </span>
                    </td>
                    <td style={styles.td}>
                      {canRetry ? (
                        <RetryButton collection={f.collection} id={f.id} title={title} />
                      ) : null}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          {counts.more ? <p style={styles.muted}>{counts.more}</p> : null}
        </div>
      )}
    </section>
  )
}
