/**
 * The console's "Recent Sync events": who did what, when, with which outcome, filterable by collection
 * and document (kept in the URL: `events_collection`, `events_document`, `events_page`), a page at a
 * time, with a link to the whole collection. A server component; the filter is a client part.
 */
import { Pill } from '@payloadcms/ui'
import { eventsSlug } from '../collections/events.js'
import { EventsFilter } from './client/EventsFilter.js'
import { formatAge } from './health.js'
import { documentPath } from './present/links.js'
import { consolePath, type AdminUrl } from './server/adminUrl.js'
import type { EventPage } from './server/events.js'
import { styles } from './styles.js'

export interface EventFilter {
  collection?: string
  document?: string
  page: number
}

const outcomePill = (outcome: string) =>
  outcome === 'ok' || outcome === 'resolved'
    ? 'success'
    : outcome === 'failed' || outcome === 'refused' || outcome === 'firing'
      ? 'error'
      : outcome === 'drift' || outcome === 'cancelled'
        ? 'warning'
        : 'light-gray'

const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…` : id)

export function RecentEvents(props: {
  events: EventPage
  filter: EventFilter
  collections: Array<{ slug: string; label: string }>
  adminUrl: AdminUrl
}) {
  const { events, filter, adminUrl } = props
  const synced = new Set(props.collections.map((c) => c.slug))
  const pageUrl = (page: number) => {
    const query = new URLSearchParams()
    if (filter.collection) query.set('events_collection', filter.collection)
    if (filter.document) query.set('events_document', filter.document)
    if (page > 1) query.set('events_page', String(page))
    const text = query.toString()
    return `${adminUrl(consolePath)}${text ? `?${text}` : ''}#sync-events`
  }
  return (
    <section
      style={styles.section}
      aria-label="Recent Sync events"
      className="supabase-sync-console__events"
      id="sync-events"
    >
      <div style={styles.sectionHeader}>
        <h2 style={styles.h2}>Recent Sync events</h2>
        <span style={styles.spacer} />
        <a href={adminUrl(`/collections/${eventsSlug}`)} style={styles.link}>
          All Sync events →
        </a>
      </div>
      <EventsFilter collections={props.collections} />
      {events.rows.length === 0 ? (
        <p style={styles.muted}>No Sync events{filter.document ? ' for this document' : ''}.</p>
      ) : (
        <div className="table" style={{ ...styles.tableWrap, marginTop: '8px' }}>
          <table style={styles.table}>
            <thead>
              <tr>
                <th style={styles.th}>When</th>
                <th style={styles.th}>Action</th>
                <th style={styles.th}>Outcome</th>
                <th style={styles.th}>Collection</th>
                <th style={styles.th}>User</th>
                <th style={styles.th}>Summary</th>
                <th style={styles.th}>Documents</th>
              </tr>
            </thead>
            <tbody>
              {events.rows.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td style={styles.td}>
                    <a
                      href={adminUrl(`/collections/${eventsSlug}/${e.id}`)}
                      style={styles.link}
                      title={e.createdAt}
                    >
                      {formatAge(Date.now() - Date.parse(e.createdAt))} ago
                    </a>
                  </td>
                  <td style={styles.td}>{e.action}</td>
                  <td style={styles.td}>
                    <Pill size="small" pillStyle={outcomePill(e.outcome)}>
                      {e.outcome}
                    </Pill>
                  </td>
                  <td style={styles.td}>{e.collection}</td>
                  <td style={styles.td}>
                    {e.user}
                    {e.source ? <div style={styles.muted}>{e.source}</div> : null}
                  </td>
                  <td style={{ ...styles.td, maxWidth: '48ch' }}>{e.summary}</td>
                  <td style={styles.td}>
                    {e.ids.map((id) => (
                      <div key={id}>
                        {synced.has(e.collection) ? (
                          <a href={adminUrl(documentPath(e.collection, id))} style={styles.link}>
                            <code>{shortId(id)}</code>
                          </a>
                        ) : (
                          <code>{id}</code>
                        )}
                      </div>
                    ))}
                    {e.idCount > e.ids.length ? (
                      <div style={styles.muted}>+{e.idCount - e.ids.length} more</div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div style={styles.row}>
            <span style={styles.muted}>
              page {events.page} of {events.pages} · {events.total} events
            </span>
            {events.page > 1 ? (
              <a href={pageUrl(events.page - 1)} style={styles.link}>
                ‹ Newer
              </a>
            ) : null}
            {events.page < events.pages ? (
              <a href={pageUrl(events.page + 1)} style={styles.link}>
                Older ›
              </a>
            ) : null}
          </div>
        </div>
      )}
    </section>
  )
}
