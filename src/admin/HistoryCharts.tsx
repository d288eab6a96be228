/**
 * The console's history: deliveries, failures, commit → Supabase lag (p95) and pending changes over
 * the last hour, 24 hours or 7 days (`?history=1h|24h|7d`), from the per-minute rollups of every
 * instance, kept across restarts. Drawn on the server as SVG: no chart library, no data from outside.
 */
import { historyRanges, type HistoryPoint, type HistoryRange } from '../monitoring/history.js'
import { chartShape } from './present/chart.js'
import { consolePath, type AdminUrl } from './server/adminUrl.js'
import { styles } from './styles.js'

const width = 240
const height = 48

const series: Array<{
  key: string
  label: string
  value: (p: HistoryPoint) => number | null
  unit?: string
  sum?: boolean
}> = [
  { key: 'deliveries', label: 'Deliveries', value: (p) => p.deliveries, sum: true },
  { key: 'failures', label: 'Failures', value: (p) => p.failures, sum: true },
  { key: 'lag', label: 'Lag p95', value: (p) => p.lagP95, unit: 'ms' },
  { key: 'pending', label: 'Pending (most at once)', value: (p) => p.pending },
]

export function HistoryCharts(props: {
  points: HistoryPoint[] | null
  range: HistoryRange
  adminUrl: AdminUrl
}) {
  const { points, range, adminUrl } = props
  return (
    <section style={styles.section} data-history={range}>
      <div style={styles.sectionHeader}>
        <h2 style={styles.h2}>History</h2>
        <span style={styles.muted}>{historyRanges[range].label}</span>
        <span style={styles.spacer} />
        {(Object.keys(historyRanges) as HistoryRange[]).map((r) =>
          r === range ? (
            <strong key={r}>{r}</strong>
          ) : (
            <a key={r} href={adminUrl(`${consolePath}?history=${r}`)} style={styles.link}>
              {r}
            </a>
          ),
        )}
      </div>
      {points === null ? (
        <p style={styles.muted}>No history is kept (the `history` option is off).</p>
      ) : (
        <div style={{ ...styles.row, alignItems: 'flex-start', gap: 'var(--base)' }}>
          {series.map((s) => {
            const values = points.map(s.value)
            const shape = chartShape(values, width, height)
            const last = shape.latest
            return (
              <figure key={s.key} style={{ margin: 0 }} data-chart={s.key}>
                <figcaption style={styles.muted}>
                  {s.label}:{' '}
                  {s.sum
                    ? `${shape.total} in all`
                    : `latest ${last ?? '–'}${s.unit && last !== null ? ` ${s.unit}` : ''}`}
                  {` · top ${shape.max}${s.unit ? ` ${s.unit}` : ''}`}
                </figcaption>
                <svg
                  width={width}
                  height={height}
                  viewBox={`0 0 ${width} ${height}`}
                  role="img"
                  aria-label={`${s.label}, ${historyRanges[range].label}`}
                  style={{ display: 'block', borderBottom: '1px solid var(--theme-elevation-150)' }}
                >
                  {shape.line ? (
                    <path d={shape.line} fill="none" stroke="var(--theme-text)" strokeWidth={1.5} />
                  ) : null}
                </svg>
              </figure>
            )
          })}
        </div>
      )}
    </section>
  )
}
