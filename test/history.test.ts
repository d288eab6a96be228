/**
 * The console's history charts from the per-minute rollups: steps per range, rows of several
 * instances and collections summed, lag p95 over the summed buckets; the chart's line. Pure.
 */
import { describe, expect, it } from 'vitest'
import { chartShape } from '../src/admin/present/chart.js'
import { historySeries, isHistoryRange } from '../src/monitoring/history.js'
import { lagBuckets } from '../src/monitoring/rollups.js'

const now = Date.parse('2026-11-26T12:30:20Z')
const lag = (bucket: number, n: number) => lagBuckets.map((_, i) => (i === bucket ? n : 0))
const row = (minute: string, over: Partial<Record<string, unknown>> = {}) => ({
  minute,
  deliveries: 0,
  failures: 0,
  requests: 0,
  pending: 0,
  lag: null,
  ...over,
})

describe('history series', () => {
  it('the last hour by the minute: rows of every instance and collection add up', () => {
    const points = historySeries(
      [
        // two instances' rows of one minute and collection, the '*' row with requests and pending
        row('2026-11-26T12:29:00Z', { deliveries: 3, lag: lag(0, 3) }),
        row('2026-11-26T12:29:00Z', { deliveries: 2, failures: 1, lag: lag(3, 2) }),
        row('2026-11-26T12:29:00Z', { requests: 4, pending: 7 }),
        row('2026-11-26T12:29:00Z', { pending: 5 }),
        row('2026-11-26T12:30:00Z', { deliveries: 1, lag: lag(1, 1) }),
        // outside the range
        row('2026-11-26T11:00:00Z', { deliveries: 99 }),
      ],
      '1h',
      now,
    )
    expect(points).toHaveLength(60)
    expect(points.at(-1)).toMatchObject({ at: '2026-11-26T12:30:00.000Z', deliveries: 1 })
    expect(points.at(-2)).toEqual({
      at: '2026-11-26T12:29:00.000Z',
      deliveries: 5,
      failures: 1,
      requests: 4,
      pending: 7,
      lagP95: lagBuckets[3],
    })
    expect(points[0].at).toBe('2026-11-26T11:31:00.000Z')
    expect(points.reduce((a, p) => a + (p.deliveries ?? 0), 0)).toBe(6)
    expect(points[0].lagP95).toBeNull()
  })

  it('a minute no instance has recorded yet (the current one) has no values: the latest is the last recorded', () => {
    // Rows are added once their minute is over: at 12:30:20 the newest is 12:29's.
    const points = historySeries(
      [
        row('2026-11-26T12:28:00Z', { pending: 9 }),
        row('2026-11-26T12:29:00Z', { deliveries: 2, pending: 4 }),
      ],
      '1h',
      now,
    )
    expect(points.at(-1)).toEqual({
      at: '2026-11-26T12:30:00.000Z',
      deliveries: null,
      failures: null,
      requests: null,
      pending: null,
      lagP95: null,
    })
    // What the chart's caption shows as "latest".
    expect(
      chartShape(
        points.map((p) => p.pending),
        590,
        10,
      ).latest,
    ).toBe(4)
    expect(points.at(-3)?.pending).toBe(9)
    // Before: not recorded either (no instance ran), not "nothing pending".
    expect(points[0].pending).toBeNull()
    expect(
      chartShape(
        points.map((p) => p.deliveries),
        590,
        10,
      ).total,
    ).toBe(2)
  })

  it('24 hours by the quarter hour, 7 days by two hours', () => {
    const rows = [
      row('2026-11-26T12:16:00Z', { deliveries: 2 }),
      row('2026-11-26T12:29:00Z', { deliveries: 3 }),
      row('2026-11-20T01:00:00Z', { deliveries: 4 }),
    ]
    const day = historySeries(rows, '24h', now)
    expect(day).toHaveLength(96)
    expect(day.at(-2)).toMatchObject({ at: '2026-11-26T12:15:00.000Z', deliveries: 5 })
    const week = historySeries(rows, '7d', now)
    expect(week).toHaveLength(84)
    expect(week.reduce((a, p) => a + (p.deliveries ?? 0), 0)).toBe(9)
    expect(isHistoryRange('7d')).toBe(true)
    expect(isHistoryRange('toString')).toBe(false)
  })
})

describe('chart line', () => {
  it('scaled to the largest value; a step without a value breaks the line', () => {
    const shape = chartShape([0, 5, 10, null, 10], 40, 10)
    expect(shape).toEqual({ line: 'M0 10 L10 5 L20 0 M40 0', max: 10, total: 25, latest: 10 })
    expect(chartShape([null, null], 40, 10)).toEqual({ line: '', max: 1, total: 0, latest: null })
  })
})
