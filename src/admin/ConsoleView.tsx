/**
 * The sync console (`/admin/supabase-sync`), a React Server Component inside Payload's default admin
 * template (navigation, header). The server reads; small client components act:
 *
 * 1. Header: the health the dashboard panel shows (Supabase reachable and its latency, pending /
 *    processing / failed jobs, the oldest pending age, per collection documents, rows, the last check's
 *    drift and age, the last reconcile), re-read every 5 s without a full reload (`AutoRefresh`).
 * 2. Drift, per synced collection (`DriftPanel`): Check now with progress, the missing / extra /
 *    changed rows page by page, the side-by-side table, the actions.
 * 3. Failed deliveries (`GET …/status` failures): the document, the cause, attempts, the last and the
 *    next try; Retry and Retry all.
 * 4. Recent Sync events, filterable by collection and document, with a link to the full collection.
 *
 * Loaded by `SyncConsoleView` (entries.tsx) after the access check, with a dynamic import: this module
 * imports Payload's admin template and `@payloadcms/ui`, which only load inside Next.js.
 */
import type { AdminViewServerProps } from 'payload'
import { DefaultTemplate } from '@payloadcms/next/templates'
import { Gutter, Pill, SetStepNav } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import { eventsSlug } from '../collections/events.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { AutoRefresh, EventsFilter, RetryButton } from './client/ConsoleParts.js'
import { DriftPanel } from './client/DriftPanel.js'
import { assessHealth, shortError } from './health.js'
import {
  loadEvents,
  loadLastChecks,
  loadLastRuns,
  loadStatus,
  loadTitles,
  type EventPage,
  type Rights,
} from './load.js'
import { describeCheck, describeFailure, formatAge } from './present.js'
import type { LastCheck } from './health.js'
import { styles } from './styles.js'
import { consolePath, HealthDetails } from './SyncHealth.js'

type Props = AdminViewServerProps & { runtime: SyncRuntime; rights: Rights }

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value

function labelOf(runtime: SyncRuntime, slug: string): string {
  const labels = runtime.payload.collections[slug]?.config.labels
  const plural = labels?.plural
  return typeof plural === 'string' ? plural : slug
}

/** "Last check 2 min ago (another instance): 1 changed row." */
function lastCheckText(check: LastCheck | undefined): string | undefined {
  if (!check) return undefined
  const age = formatAge(Date.now() - Date.parse(check.at))
  return `Last check ${age} ago${check.source === 'event' ? ' (from the Sync events)' : ''}: ${describeCheck(check)}.`
}

const outcomePill = (outcome: string) =>
  outcome === 'ok' || outcome === 'resolved'
    ? 'success'
    : outcome === 'failed' || outcome === 'refused' || outcome === 'firing'
      ? 'error'
      : outcome === 'drift' || outcome === 'cancelled'
        ? 'warning'
        : 'light-gray'

export async function ConsoleView(props: Props) {
  const { runtime, rights, initPageResult, searchParams = {} } = props
  const { req, permissions, visibleEntities, locale } = initPageResult
  const payload = req.payload
  const { routes, serverURL } = payload.config
  const adminUrl = (path: string) =>
    formatAdminURL({
      adminRoute: routes.admin,
      path: path as `/${string}`,
      serverURL,
      relative: true,
      includeBasePath: true,
    })
  const slugs = [...runtime.collections.keys()]
  const eventFilter = {
    collection: slugs.find((s) => s === first(searchParams.events_collection)),
    document: first(searchParams.events_document)?.trim().slice(0, 256) || undefined,
    page: Number(first(searchParams.events_page) ?? 1) || 1,
  }

  const { status, error } = await loadStatus(payload)
  const [checks, runs, events] = await Promise.all([
    loadLastChecks(payload, runtime),
    loadLastRuns(payload, status),
    loadEvents(runtime, { ...eventFilter, limit: 20 }).catch((): EventPage => ({
      rows: [],
      total: 0,
      page: 1,
      pages: 1,
    })),
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
  const problems = health
    ? health.problems
    : [`the sync status could not be read: ${shortError(error ?? 'unknown error')}`]

  const failures = status?.failures ?? []
  const titles = new Map<string, Map<string, string>>()
  for (const slug of new Set(failures.map((f) => f.collection)))
    titles.set(
      slug,
      await loadTitles(
        payload,
        slug,
        failures.filter((f) => f.collection === slug).map((f) => f.id),
      ),
    )
  const lastRuns = runtime.runs.list()
  const renderedAt = new Date().toISOString()

  const eventsQuery = (page: number) => {
    const query = new URLSearchParams()
    if (eventFilter.collection) query.set('events_collection', eventFilter.collection)
    if (eventFilter.document) query.set('events_document', eventFilter.document)
    if (page > 1) query.set('events_page', String(page))
    const text = query.toString()
    return `${adminUrl(consolePath)}${text ? `?${text}` : ''}#sync-events`
  }

  return (
    <DefaultTemplate
      i18n={req.i18n}
      locale={locale}
      params={props.params}
      payload={payload}
      permissions={permissions}
      req={req}
      searchParams={searchParams}
      user={req.user ?? undefined}
      visibleEntities={visibleEntities}
      viewType="supabase-sync"
    >
      <SetStepNav nav={[{ label: 'Supabase sync console' }]} />
      <Gutter className="supabase-sync-console">
        <div style={{ ...styles.sectionHeader, marginTop: 'var(--base)' }}>
          <h1 style={{ margin: 0 }}>Supabase sync console</h1>
          <span style={styles.spacer} />
          <AutoRefresh renderedAt={renderedAt} />
        </div>

        <section
          style={styles.section}
          aria-label="Sync health"
          className="supabase-sync-console__health"
          data-state={health?.ok ? 'ok' : 'attention'}
        >
          <div style={styles.sectionHeader}>
            <h2 style={styles.h2}>Health</h2>
            <Pill size="small" pillStyle={health?.ok ? 'success' : 'error'}>
              {health?.ok ? 'OK' : 'Needs attention'}
            </Pill>
          </div>
          {problems.length ? (
            <ul style={styles.problems}>
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
          {status?.paused ? (
            <p style={styles.bad}>
              Delivery is paused until {status.paused.until.slice(11, 19)} UTC:{' '}
              {shortError(status.paused.reason)}
            </p>
          ) : null}
          {status && health ? (
            <HealthDetails status={status} health={health} runs={runs} adminUrl={adminUrl} />
          ) : null}
        </section>

        <h2 style={{ ...styles.h2, margin: 'var(--base) 0 calc(var(--base) * 0.5)' }}>Drift</h2>
        {slugs.map((slug) => {
          const collection = runtime.collections.get(slug)!
          const config = payload.collections[slug]?.config
          const lastRun = lastRuns.find((r) => r.kind === 'validate' && r.collection === slug)
          return (
            <DriftPanel
              key={slug}
              collection={slug}
              label={labelOf(runtime, slug)}
              table={collection.spec.table}
              titleField={config?.admin?.useAsTitle}
              primaryKey={collection.spec.primaryKey}
              rights={{ sync: rights.sync, pull: rights.pull }}
              canPullRows={Boolean(collection.mapper.fromRow)}
              guard={{
                maxDeleteFraction: runtime.options.maxDeleteFraction,
                deleteOrphans: runtime.options.deleteOrphans,
              }}
              lastCheckText={lastCheckText(checks.get(slug))}
              lastRunId={lastRun?.id}
            />
          )
        })}

        <section
          style={styles.section}
          aria-label="Failed deliveries"
          className="supabase-sync-console__failures"
          id="failed-deliveries"
        >
          <div style={styles.sectionHeader}>
            <h2 style={styles.h2}>
              Failed deliveries{' '}
              <span style={styles.muted}>({status?.jobs.failed ?? 'unknown'})</span>
            </h2>
            <span style={styles.spacer} />
            {rights.sync
              ? [...new Set(failures.map((f) => f.collection))].map((slug) => (
                  <RetryButton
                    key={slug}
                    collection={slug}
                    count={failures.filter((f) => f.collection === slug).length}
                  />
                ))
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
                          <a
                            href={adminUrl(`/collections/${f.collection}/${f.id}`)}
                            style={styles.link}
                          >
                            {title ?? f.id}
                          </a>
                          <div style={styles.muted}>{f.collection}</div>
                        </td>
                        <td style={styles.td} className="supabase-sync-failure__cause">
                          {f.error ? describeFailure(f.error) : 'unknown'}
                        </td>
                        <td style={{ ...styles.td, ...styles.num }}>{f.totalTried}</td>
                        <td style={styles.td}>
                          {formatAge(Date.now() - Date.parse(f.updatedAt))} ago
                        </td>
                        <td style={styles.td}>
                          <span style={styles.muted}>
                            none: failed for good — on Retry, or the document&apos;s next save
                          </span>
                        </td>
                        <td style={styles.td}>
                          {rights.sync ? (
                            <RetryButton collection={f.collection} id={f.id} title={title} />
                          ) : null}
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
              {status && status.jobs.failed > failures.length ? (
                <p style={styles.muted}>
                  Showing the {failures.length} most recent of {status.jobs.failed}.
                </p>
              ) : null}
            </div>
          )}
        </section>

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
          <EventsFilter
            collections={slugs.map((slug) => ({ slug, label: labelOf(runtime, slug) }))}
          />
          {events.rows.length === 0 ? (
            <p style={styles.muted}>
              No Sync events{eventFilter.document ? ' for this document' : ''}.
            </p>
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
                        {e.ids.map((id) =>
                          runtime.collections.has(e.collection) ? (
                            <div key={id}>
                              <a
                                href={adminUrl(`/collections/${e.collection}/${id}`)}
                                style={styles.link}
                              >
                                <code>{id.length > 13 ? `${id.slice(0, 8)}…` : id}</code>
                              </a>
                            </div>
                          ) : (
                            <div key={id}>
                              <code>{id}</code>
                            </div>
                          ),
                        )}
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
                  <a href={eventsQuery(events.page - 1)} style={styles.link}>
                    ‹ Newer
                  </a>
                ) : null}
                {events.page < events.pages ? (
                  <a href={eventsQuery(events.page + 1)} style={styles.link}>
                    Older ›
                  </a>
                ) : null}
              </div>
            </div>
          )}
        </section>
      </Gutter>
    </DefaultTemplate>
  )
}
