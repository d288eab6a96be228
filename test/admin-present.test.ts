/**
 * The admin's pure logic: the side-by-side table's lines from a documents-endpoint answer, folding
 * long values, a document's state as a label and a pill, pages of long lists, the sentences of
 * progress and results, and the dashboard's verdict (the last check's drift, counts only as counts).
 * No database, no browser.
 */
import { describe, expect, it } from 'vitest'
import { assessHealth, driftText } from '../src/admin/health.js'
import {
  describeCheck,
  describeProgress,
  describePullResult,
  describeSyncResult,
  errorText,
  progressFraction,
} from '../src/admin/present/describeRun.js'
import { describeFailure, describeState } from '../src/admin/present/documentState.js'
import { driftListsOf, firstDriftTab } from '../src/admin/present/driftLists.js'
import { documentHref, documentPath } from '../src/admin/present/links.js'
import { chunks, pageOf } from '../src/admin/present/paging.js'
import { partLabel, runParts, sumResults } from '../src/admin/present/runParts.js'
import {
  compareLines,
  fold,
  hiddenFieldText,
  readOnlyReason,
  showValue,
  sortKeys,
} from '../src/admin/present/sideBySide.js'
import type { DocumentStatus } from '../src/ops/compare.js'
import type { StatusResult } from '../src/ops/status.js'

describe('the side-by-side table', () => {
  const answer: DocumentStatus = {
    id: 'a1',
    state: 'differs',
    fields: [
      { field: 'name', payload: 'Northside Motors', supabase: 'Tampered', readOnly: false },
      {
        field: 'api_config.utm_config',
        payload: { source: 'site', medium: 'organic' },
        supabase: { source: 'ads', campaign: 'spring', medium: 'cpc' },
        readOnly: false,
      },
      {
        field: 'created_at',
        payload: '2026-01-01T00:00:00.000Z',
        supabase: '2001-01-01T00:00:00+00:00',
        readOnly: true,
      },
      { field: 'domain', payload: null, supabase: undefined, readOnly: false },
    ],
  }

  it('one line per differing column, a key of an object column on its own line', () => {
    const lines = compareLines(answer.fields)
    expect(lines.map((l) => [l.field, l.column, l.key, l.label])).toEqual([
      ['name', 'name', undefined, 'name'],
      ['api_config.utm_config', 'api_config', 'utm_config', 'api_config › utm_config'],
      ['created_at', 'created_at', undefined, 'created_at'],
      ['domain', 'domain', undefined, 'domain'],
    ])
    expect(lines[0]).toMatchObject({
      payload: { text: 'Northside Motors', kind: 'text', folded: false },
      supabase: { text: 'Tampered', kind: 'text' },
      readOnly: false,
      pullable: true,
    })
    expect(lines[0].readOnlyReason).toBeUndefined()
    expect(lines.map((l) => l.pullable)).toEqual([true, true, false, true])
  })

  it('JSON pretty-printed with sorted keys (jsonb reorders them), so both sides line up', () => {
    const [, utm] = compareLines(answer.fields)
    expect(utm.payload.kind).toBe('json')
    expect(utm.payload.text).toBe('{\n  "medium": "organic",\n  "source": "site"\n}')
    expect(utm.supabase.text).toBe(
      '{\n  "campaign": "spring",\n  "medium": "cpc",\n  "source": "ads"\n}',
    )
    expect(sortKeys({ b: [{ z: 1, a: 2 }], a: null })).toEqual({ a: null, b: [{ a: 2, z: 1 }] })
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: 1, c: 2 } }))).toBe('{"a":{"c":2,"d":1},"b":1}')
  })

  it('read-only columns say why they cannot be pulled', () => {
    const created = compareLines(answer.fields)[2]
    expect(created.readOnly).toBe(true)
    expect(created.readOnlyReason).toMatch(/^Read-only: Payload sets "created_at" itself/)
    expect(readOnlyReason('id')).toMatch(/the document's key/)
    expect(readOnlyReason('dealer_id', 'dealer_id')).toMatch(/the document's key/)
  })

  it('null, absent, empty text, numbers and booleans are told apart', () => {
    const domain = compareLines(answer.fields)[3]
    expect(domain.payload).toMatchObject({ text: 'null', kind: 'null' })
    expect(domain.supabase).toMatchObject({ text: '(absent)', kind: 'absent' })
    expect(showValue('')).toMatchObject({ text: '""', kind: 'text' })
    expect(showValue(42)).toMatchObject({ text: '42', kind: 'scalar' })
    expect(showValue(false)).toMatchObject({ text: 'false', kind: 'scalar' })
    expect(showValue(['homenet'])).toMatchObject({ text: '[\n  "homenet"\n]', kind: 'json' })
    expect(compareLines(undefined)).toEqual([])
  })

  it('a column made from a field the user may not read: the name, no value on either side', () => {
    const [line] = compareLines([
      { field: 'api_config.homenet_config', readOnly: false, hidden: true },
    ])
    // Not offered Use Supabase value: a value the console keeps from the user is not theirs to take.
    expect(line).toMatchObject({
      label: 'api_config › homenet_config',
      readOnly: false,
      pullable: false,
    })
    for (const side of [line.payload, line.supabase])
      expect(side).toEqual({
        text: hiddenFieldText,
        preview: hiddenFieldText,
        folded: false,
        kind: 'hidden',
      })
    expect(hiddenFieldText).toBe('hidden: your read access does not include this field')
  })

  it('long values are folded: a preview of the first lines or characters, the whole text kept', () => {
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, i]))
    const shown = showValue(big)
    expect(shown.folded).toBe(true)
    expect(shown.text.split('\n')).toHaveLength(32)
    expect(shown.preview.split('\n')).toHaveLength(10)
    expect(shown.preview.endsWith('…')).toBe(true)
    expect(JSON.parse(shown.text)).toEqual(big)

    const long = 'x'.repeat(1000)
    const folded = fold(long, { lines: 10, chars: 400 })
    expect(folded).toEqual({ preview: `${'x'.repeat(400)}…`, folded: true })
    expect(fold('short')).toEqual({ preview: 'short', folded: false })
    expect(fold('a\nb\nc', { lines: 2, chars: 100 })).toEqual({ preview: 'a\nb…', folded: true })
    // Exactly at the limits: not folded.
    expect(fold('a\nb', { lines: 2, chars: 3 })).toEqual({ preview: 'a\nb', folded: false })
  })
})

describe("a document's state", () => {
  const now = Date.parse('2026-11-26T12:00:30Z')

  it('in sync, differs (which fields), not in Supabase (why), extra, unmappable', () => {
    expect(describeState({ id: '1', state: 'in-sync' })).toEqual({
      key: 'in-sync',
      label: 'In sync',
      pill: 'success',
    })
    expect(
      describeState({
        id: '1',
        state: 'differs',
        fields: [
          { field: 'name', payload: 'a', supabase: 'b', readOnly: false },
          { field: 'api_config.utm_config', payload: {}, supabase: null, readOnly: false },
        ],
      }),
    ).toEqual({
      key: 'differs',
      label: 'Differs',
      pill: 'warning',
      detail: 'name, api_config.utm_config',
      fields: ['name', 'api_config.utm_config'],
    })
    expect(
      describeState({ id: '1', state: 'not-in-supabase', reason: 'in the trash' }),
    ).toMatchObject({ label: 'Not in Supabase', detail: 'in the trash', pill: 'light-gray' })
    expect(describeState({ id: '1', state: 'missing' })).toMatchObject({
      key: 'missing',
      label: 'Not in Supabase',
      detail: expect.stringMatching(/^missing/),
    })
    expect(
      describeState({ id: '1', state: 'extra', reason: 'no document in Payload, but …' }),
    ).toMatchObject({ label: 'Extra in Supabase', pill: 'error' })
    expect(
      describeState({ id: '1', state: 'unmappable', reason: 'field "slug" is required' }),
    ).toMatchObject({ label: 'Cannot be mapped', detail: 'field "slug" is required' })
  })

  it('pending since when, with its age; a failure with its cause comes first', () => {
    expect(
      describeState({ id: '1', state: 'differs', pendingSince: '2026-11-26T12:00:00.000Z' }, now),
    ).toMatchObject({ key: 'pending', label: 'Pending', detail: 'since 12:00:00 UTC (30 s ago)' })
    const failure = {
      message: 'dealers 1: upsert failed (400 23514): violates check constraint — more',
      kind: 'row' as const,
      status: 400,
      code: '23514',
      at: '2026-11-26T12:00:00.000Z',
    }
    expect(
      describeState(
        { id: '1', state: 'differs', pendingSince: '2026-11-26T12:00:00.000Z', failure },
        now,
      ),
    ).toMatchObject({
      key: 'failed',
      label: 'Failed',
      pill: 'error',
      detail:
        'dealers 1: upsert failed (400 23514): violates check constraint (HTTP 400, code 23514)',
    })
    expect(describeFailure({ message: 'x'.repeat(400) }).length).toBe(300)
    expect(describeFailure({ message: 'bad', field: 'slug' })).toBe('bad (field slug)')
  })
})

describe('lists, progress and results', () => {
  it("a check's result as the drift lists; the first tab is the first list with rows", () => {
    const result = {
      collection: 'dealers',
      inSync: false,
      missing: ['m1'],
      extra: ['x1', 'x2'],
      changed: [],
      failed: [{ id: 'f1', message: 'field "slug" is required', field: 'slug' }],
      scanned: 3,
      rows: 4,
      ms: 5,
    }
    const lists = driftListsOf(result)
    expect(lists).toEqual({ changed: [], missing: ['m1'], extra: ['x1', 'x2'], failed: ['f1'] })
    expect(firstDriftTab(lists)).toBe('missing')
    expect(firstDriftTab(driftListsOf({ ...result, missing: [], extra: [] }))).toBe('failed')
    expect(firstDriftTab(driftListsOf(null))).toBe('changed')
  })

  it('a page of a long list: never more than the page size, clamped', () => {
    const ids = Array.from({ length: 1234 }, (_, i) => `id${i}`)
    expect(pageOf(ids, 1, 25)).toMatchObject({ page: 1, pages: 50, total: 1234, from: 1, to: 25 })
    expect(pageOf(ids, 1, 25).items).toHaveLength(25)
    const last = pageOf(ids, 50, 25)
    expect(last).toMatchObject({ page: 50, from: 1226, to: 1234 })
    expect(last.items).toEqual(ids.slice(1225))
    expect(pageOf(ids, 99, 25).page).toBe(50)
    expect(pageOf(ids, 0, 25).page).toBe(1)
    expect(pageOf([], 3, 25)).toEqual({ items: [], page: 1, pages: 1, total: 0, from: 0, to: 0 })
    expect(chunks(ids, 150).map((c) => c.length)).toEqual([
      150, 150, 150, 150, 150, 150, 150, 150, 34,
    ])
  })

  it('progress of a check', () => {
    const p = {
      documents: 2500,
      total: 10000,
      rows: 2500,
      differences: 3,
      elapsedMs: 1000,
      rate: 2500,
      etaMs: 3000,
    }
    expect(describeProgress(p)).toBe(
      '2,500 / 10,000 documents · 2,500 rows · 3 differing · 2,500/s · about 3 s left',
    )
    expect(describeProgress({ ...p, documents: 10000, etaMs: 0 })).not.toMatch(/left/)
    expect(describeProgress(null)).toBe('starting …')
    expect(progressFraction(p)).toBe(0.25)
    expect(progressFraction({ ...p, total: 0 })).toBe(0)
    expect(progressFraction(undefined)).toBe(0)
  })

  it('what a check found, what a push / retry / pull did', () => {
    expect(describeCheck({ missing: 0, extra: 0, changed: 0, failed: 0 })).toBe('in sync')
    expect(describeCheck({ missing: 2, extra: 0, changed: 1, failed: 1 })).toBe(
      '2 missing, 1 changed row, 1 unmappable',
    )
    expect(driftText({ missing: 0, extra: 3, changed: 2, failed: 0 })).toBe(
      '3 extra, 2 changed rows',
    )
    expect(describeSyncResult({ upserted: 1, deleted: 0, unchanged: 0, failed: [] })).toEqual({
      ok: true,
      text: '1 written.',
    })
    expect(
      describeSyncResult({
        upserted: 0,
        failed: [],
        orphansKept: 700,
        guard: 'refusing to delete 700 of 1000 rows',
      }),
    ).toEqual({
      ok: false,
      text: '700 extra rows kept. The mass-delete guard refused: refusing to delete 700 of 1000 rows',
    })
    expect(describeSyncResult({ failed: [{ id: '1', message: 'boom — details' }] }).text).toBe(
      '1 failed: boom.',
    )
    expect(describeSyncResult({})).toEqual({ ok: true, text: 'nothing to do.' })
    expect(
      describePullResult({
        pulled: [{ id: '1', fields: ['api_config.utm_config'] }],
        refused: [],
        skipped: [],
        failed: [],
      }),
    ).toEqual({ ok: true, text: 'took api_config.utm_config from Supabase.' })
    expect(
      describePullResult({
        pulled: [],
        refused: [{ id: '1', fields: ['created_at'] }],
        skipped: [{ id: '1', reason: 'newer in Payload: a change is waiting to be delivered' }],
        failed: [],
      }),
    ).toEqual({
      ok: false,
      text: 'read-only, not pulled: created_at; skipped: newer in Payload: a change is waiting to be delivered.',
    })
    expect(describePullResult({})).toEqual({ ok: false, text: 'nothing differed: nothing pulled.' })
    expect(errorText({ errors: [{ message: 'Forbidden: this user may not sync' }] }, 403)).toBe(
      'Forbidden: this user may not sync',
    )
    expect(errorText(null, 502)).toBe('the server answered 502')
    expect(errorText(null)).toBe('no answer from the server')
  })
})

describe('the dashboard verdict', () => {
  const status = (over: Partial<StatusResult> = {}): StatusResult => ({
    collections: [{ collection: 'dealers', table: 'dealers', documents: 3, rows: 3 }],
    jobs: { pending: 0, retrying: 0, processing: 0, failed: 0, oldestPendingAgeMs: null },
    failures: [],
    supabase: { reachable: true, ms: 12 },
    ...over,
  })
  const now = Date.parse('2026-11-26T12:10:00Z')
  const check = (over = {}) => ({
    at: '2026-11-26T12:08:00Z',
    missing: 0,
    extra: 0,
    changed: 0,
    failed: 0,
    source: 'process' as const,
    ...over,
  })

  it('equal counts with a changed row is not OK: the last check decides, with its age', () => {
    const health = assessHealth(status(), { lastCheck: () => check({ changed: 1 }), now })
    expect(health.ok).toBe(false)
    expect(health.problems).toEqual(['dealers: the last check (2 min ago) found 1 changed row'])
    expect(health.collections[0]).toMatchObject({
      difference: 0,
      drift: 1,
      ok: false,
      check: { changed: 1, ageMs: 120_000, source: 'process' },
    })
  })

  it('different counts are only counts: OK when the last check found nothing', () => {
    const health = assessHealth(
      status({ collections: [{ collection: 'dealers', table: 'dealers', documents: 5, rows: 3 }] }),
      { lastCheck: () => check(), now },
    )
    expect(health.ok).toBe(true)
    expect(health.collections[0]).toMatchObject({
      difference: -2,
      drift: 0,
      countNote: '2 documents more than rows: run a check to compare the rows',
    })
    const drafts = assessHealth(
      status({ collections: [{ collection: 'posts', table: 'posts', documents: 5, rows: 3 }] }),
      { mayDiffer: () => true, now },
    )
    expect(drafts.ok).toBe(true)
    expect(drafts.collections[0].countNote).toMatch(/drafts and filtered documents/)
  })

  it('the realtime watch is shown, and its absence is no problem (the checks remain)', () => {
    const watched = (realtime: NonNullable<StatusResult['collections'][number]['realtime']>) =>
      assessHealth(
        status({
          collections: [
            { collection: 'dealers', table: 'dealers', documents: 3, rows: 3, realtime },
          ],
        }),
        { lastCheck: () => check(), now },
      )
    const on = watched({ status: 'subscribed', since: '2026-11-26T12:00:00Z' })
    expect(on.ok).toBe(true)
    expect(on.collections[0].realtimeNote).toBe('Realtime: watched (10 min)')
    const off = watched({
      status: 'unavailable',
      error: 'the table is not in the supabase_realtime publication — add it',
      since: '2026-11-26T12:00:00Z',
    })
    expect(off.ok).toBe(true)
    expect(off.problems).toEqual([])
    expect(off.collections[0].realtimeNote).toBe(
      'Realtime: not available: the table is not in the supabase_realtime publication — the scheduled checks find direct edits instead',
    )
    expect(
      watched({ status: 'reconnecting', since: '2026-11-26T12:09:30Z' }).collections[0]
        .realtimeNote,
    ).toBe('Realtime: reconnecting for 30 s')
    expect(assessHealth(status(), { now }).collections[0].realtimeNote).toBeUndefined()
  })

  it('never checked: no verdict from the rows, and said so', () => {
    const health = assessHealth(status(), { now })
    expect(health.ok).toBe(true)
    expect(health.collections[0]).toMatchObject({ drift: null })
    expect(health.collections[0].check).toBeUndefined()
  })

  it('Supabase down, failed jobs, a stale pending job, a pause, a failed reconcile', () => {
    const health = assessHealth(
      status({
        supabase: { reachable: false, ms: 0, error: 'fetch failed — ECONNREFUSED' },
        jobs: { pending: 2, retrying: 1, processing: 0, failed: 1, oldestPendingAgeMs: 120_000 },
        paused: { reason: 'Supabase answers 503', until: '2026-11-26T12:11:00Z' },
        collections: [
          {
            collection: 'dealers',
            table: 'dealers',
            documents: 3,
            rows: null,
            lastReconcile: {
              collection: 'dealers',
              scanned: 3,
              upserted: 0,
              deleted: 0,
              unchanged: 2,
              differences: { missing: 0, changed: 1, extra: 0 },
              queued: 0,
              failed: [{ id: '1', message: 'bad' }],
              orphansKept: 0,
              requests: 1,
              ms: 10,
            },
          },
        ],
      }),
      { now },
    )
    expect(health.ok).toBe(false)
    expect(health.problems).toEqual([
      'Supabase is not reachable: fetch failed',
      'delivery is paused: Supabase answers 503',
      '1 sync job failed and will not be retried (retry them in the sync console)',
      'the oldest pending sync job has been waiting for 2 min',
      'dealers: last reconcile: 1 document failed',
    ])
    expect(health.collections[0].countNote).toBe('rows could not be counted')
  })
})

describe('links to documents (the events list, the drift list)', () => {
  it('encode the collection and the id, so that any text id leads to its own document', () => {
    expect(documentPath('dealers', 'a/b?c#d%e')).toBe('/collections/dealers/a%2Fb%3Fc%23d%25e')
    expect(documentPath('dealers', '9b1c')).toBe('/collections/dealers/9b1c')
    // A dot segment would be resolved by the browser (to the collections list, or another page).
    expect(documentPath('dealers', '..')).toBe('/collections/dealers?where%5Bid%5D%5Bequals%5D=..')
    expect(new URL(documentPath('dealers', '.'), 'http://x').pathname).toBe('/collections/dealers')
  })

  it("a client component's link has Next's base path, as adminUrlOf's on the server", () => {
    const before = process.env.NEXT_BASE_PATH
    process.env.NEXT_BASE_PATH = '/cms'
    try {
      expect(documentHref('/admin', 'dealers', 'x/y')).toBe('/cms/admin/collections/dealers/x%2Fy')
    } finally {
      if (before === undefined) delete process.env.NEXT_BASE_PATH
      else process.env.NEXT_BASE_PATH = before
    }
    expect(documentHref('/admin', 'dealers', 'x')).toBe('/admin/collections/dealers/x')
  })
})

describe('Push all in parts (a drift list longer than one request takes)', () => {
  it('splits the ids in order into parts of at most the size; one part when they fit', () => {
    const ids = Array.from({ length: 120_001 }, (_, i) => `id-${i}`)
    const parts = runParts(ids, 50_000)
    expect(parts.map((p) => p.length)).toEqual([50_000, 50_000, 20_001])
    expect(parts.flat()).toEqual(ids)
    expect(runParts(['a', 'b'], 50_000)).toEqual([['a', 'b']])
  })

  it('names a part only when there are several', () => {
    expect(partLabel('Push all', 1, 3)).toBe('Push all, part 2 of 3')
    expect(partLabel('Push all', 0, 1)).toBe('Push all')
  })

  it("adds the parts' results up into one sentence: counts, failures in order, a guard's refusal", () => {
    const sum = sumResults([
      { upserted: 49_990, unchanged: 10, failed: [] },
      { upserted: 3, deleted: 1, queued: 2, failed: [{ id: 'd-7', message: 'slug: required' }] },
      { unchanged: 5, orphansKept: 1, guard: 'refused' },
    ])
    expect(sum).toEqual({
      upserted: 49_993,
      deleted: 1,
      unchanged: 15,
      queued: 2,
      orphansKept: 1,
      failed: [{ id: 'd-7', message: 'slug: required' }],
      guard: 'refused',
    })
    expect(describeSyncResult(sum).ok).toBe(false)
    expect(describeSyncResult(sumResults([{ upserted: 2 }, { upserted: 3 }]))).toEqual({
      ok: true,
      text: '5 written.',
    })
  })
})
