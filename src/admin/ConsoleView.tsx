/**
 * The sync console (`/admin/supabase-sync`), a React Server Component inside Payload's default admin
 * template (navigation, header). The server reads; small client components act:
 *
 * 1. Health: what the dashboard panel shows (`HealthDetails`), re-read every few seconds without a
 *    full reload (`AutoRefresh`).
 * 2. Drift, per synced collection (`DriftPanel`): Check now with progress, the missing / extra /
 *    changed rows page by page, the side-by-side table, the actions.
 * 3. History (`HistoryCharts`): deliveries, failures, lag p95, pending, from the rollups.
 * 4. Failed deliveries (`FailedDeliveries`), with Retry and Retry all.
 * 5. Recent Sync events (`RecentEvents`), filterable by collection and document.
 *
 * Loaded by `SyncConsoleView` (entries.tsx) after the access check, with a dynamic import: this module
 * imports Payload's admin template and `@payloadcms/ui`, which only load inside Next.js.
 */
import type { AdminViewServerProps } from 'payload'
import { DefaultTemplate } from '@payloadcms/next/templates'
import { Gutter, Pill, SetStepNav } from '@payloadcms/ui'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { AutoRefresh } from './client/AutoRefresh.js'
import { DriftPanel } from './client/DriftPanel.js'
import { FailedDeliveries } from './FailedDeliveries.js'
import { HistoryCharts } from './HistoryCharts.js'
import { isHistoryRange, type HistoryRange } from '../monitoring/history.js'
import { loadHistory } from './server/history.js'
import { formatAge, shortError, type LastCheck } from './health.js'
import { HealthDetails } from './HealthDetails.js'
import { eventsForReader } from '../ops/event-view.js'
import { statusForReader } from '../ops/reader-view.js'
import { describeCheck } from './present/describeRun.js'
import { RecentEvents, type EventFilter } from './RecentEvents.js'
import { adminUrlOf, type AdminUrl } from './server/adminUrl.js'
import { loadEvents, type EventPage } from './server/events.js'
import { loadHealth, type LoadedHealth } from './server/health.js'
import type { Rights } from './server/rights.js'
import { styles } from './styles.js'

type Props = AdminViewServerProps & { runtime: SyncRuntime; rights: Rights }

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value

function labelOf(runtime: SyncRuntime, slug: string): string {
  const plural = runtime.payload.collections[slug]?.config.labels?.plural
  return typeof plural === 'string' ? plural : slug
}

/** "Last check 2 min ago (from the Sync events): 1 changed row." */
function lastCheckText(check: LastCheck | undefined): string | undefined {
  if (!check) return undefined
  const age = formatAge(Date.now() - Date.parse(check.at))
  return `Last check ${age} ago${check.source === 'event' ? ' (from the Sync events)' : ''}: ${describeCheck(check)}.`
}

const noEvents: EventPage = { rows: [], total: 0, page: 1, pages: 1 }

function HealthSection({ loaded, adminUrl }: { loaded: LoadedHealth; adminUrl: AdminUrl }) {
  const { status, health, problems, runs } = loaded
  return (
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
  )
}

export async function ConsoleView(props: Props) {
  const { runtime, rights, initPageResult, searchParams = {} } = props
  const { req, permissions, visibleEntities, locale } = initPageResult
  const payload = req.payload
  const adminUrl = adminUrlOf(payload)
  const slugs = [...runtime.collections.keys()]
  const collections = slugs.map((slug) => ({ slug, label: labelOf(runtime, slug) }))
  const filter: EventFilter = {
    collection: slugs.find((s) => s === first(searchParams.events_collection)),
    document: first(searchParams.events_document)?.trim().slice(0, 256) || undefined,
    page: Number(first(searchParams.events_page) ?? 1) || 1,
  }
  const historyParam = first(searchParams.history)
  const range: HistoryRange = isHistoryRange(historyParam) ? historyParam : '1h'
  const [loaded, events, history] = await Promise.all([
    loadHealth(payload, runtime),
    loadEvents(runtime, { ...filter, limit: 20 }).catch(() => noEvents),
    runtime.options.history ? loadHistory(runtime, range).catch(() => null) : null,
  ])
  const lastRuns = runtime.runs.list()
  // Failure causes and caught values of documents this user may not read are replaced.
  const shownStatus = loaded.status && (await statusForReader(payload, req, loaded.status))
  const shownEvents = { ...events, rows: await eventsForReader(payload, req, events.rows) }

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
          <AutoRefresh renderedAt={new Date().toISOString()} />
        </div>

        <HealthSection loaded={loaded} adminUrl={adminUrl} />

        <h2 style={{ ...styles.h2, margin: 'var(--base) 0 calc(var(--base) * 0.5)' }}>Drift</h2>
        {slugs.map((slug) => {
          const collection = runtime.collections.get(slug)!
          const lastRun = lastRuns.find((r) => r.kind === 'validate' && r.collection === slug)
          return (
            <DriftPanel
              key={slug}
              collection={slug}
              label={labelOf(runtime, slug)}
              table={collection.spec.table}
              titleField={payload.collections[slug]?.config.admin?.useAsTitle}
              primaryKey={collection.spec.primaryKey}
              rights={{ sync: rights.sync, pull: rights.pull }}
              canPullRows={Boolean(collection.mapper.fromRow)}
              guard={{
                maxDeleteFraction: runtime.options.maxDeleteFraction,
                deleteOrphans: runtime.options.deleteOrphans,
              }}
              lastCheckText={lastCheckText(loaded.checks.get(slug))}
              lastRunId={lastRun?.id}
            />
          )
        })}

        <HistoryCharts points={history} range={range} adminUrl={adminUrl} />

        <FailedDeliveries
          payload={payload}
          req={req}
          status={shownStatus}
          canRetry={rights.sync}
          adminUrl={adminUrl}
        />

        <RecentEvents
          events={shownEvents}
          filter={filter}
          collections={collections}
          adminUrl={adminUrl}
        />
      </Gutter>
    </DefaultTemplate>
  )
}
