/**
 * The request parsing of the stand-in on its own (no database): filters, order, select, ranges,
 * preferences and media types, with PostgREST's rules (ApiRequest/QueryParams.hs, RangeQuery.hs).
 */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../dev/postgrest/errors.js'
import { negotiateMedia, parsePrefer, preferenceApplied } from '../dev/postgrest/media.js'
import {
  parseColumnList,
  parseFilterValue,
  parseOrder,
  parseQuery,
  parseSelect,
} from '../dev/postgrest/query.js'
import { contentRange, restrictRange, topLevelRange } from '../dev/postgrest/range.js'

function errorOf(run: () => unknown): ApiError {
  try {
    run()
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('expected an ApiError')
}

describe('filters', () => {
  it('simple operators, with not.', () => {
    expect(parseFilterValue('a', 'eq.1')).toEqual({
      column: 'a',
      negated: false,
      op: 'eq',
      value: '1',
    })
    expect(parseFilterValue('a', 'gte.2024-01-01T00:00:00+00:00')).toEqual({
      column: 'a',
      negated: false,
      op: 'gte',
      value: '2024-01-01T00:00:00+00:00',
    })
    expect(parseFilterValue('a', 'not.neq.x.y')).toEqual({
      column: 'a',
      negated: true,
      op: 'neq',
      value: 'x.y',
    })
    expect(parseFilterValue('a', 'eq.')).toEqual({
      column: 'a',
      negated: false,
      op: 'eq',
      value: '',
    })
    expect(parseFilterValue('a', 'ilike.*Ab*')).toMatchObject({ op: 'ilike', value: '*Ab*' })
  })

  it('in.(...): quotes protect , . : ( ) and backslash escapes', () => {
    expect(parseFilterValue('a', 'in.(1,2,3)')).toMatchObject({ op: 'in', values: ['1', '2', '3'] })
    expect(parseFilterValue('a', 'in.("a,b","c.d","e(f)","g:h")')).toMatchObject({
      values: ['a,b', 'c.d', 'e(f)', 'g:h'],
    })
    expect(parseFilterValue('a', 'in.("say \\"hi\\"","back\\\\slash")')).toMatchObject({
      values: ['say "hi"', 'back\\slash'],
    })
    expect(parseFilterValue('a', 'in.(a b, c)')).toMatchObject({ values: ['a b', ' c'] })
    expect(parseFilterValue('a', 'in.()')).toMatchObject({ values: [''] })
    expect(parseFilterValue('a', 'not.in.(x)')).toMatchObject({
      negated: true,
      op: 'in',
      values: ['x'],
    })
    expect(errorOf(() => parseFilterValue('a', 'in.1,2')).code).toBe('PGRST100')
    expect(errorOf(() => parseFilterValue('a', 'in.(1,2')).code).toBe('PGRST100')
  })

  it('is.null|not_null|true|false|unknown, case-insensitive', () => {
    expect(parseFilterValue('a', 'is.null')).toMatchObject({ op: 'is', value: 'null' })
    expect(parseFilterValue('a', 'is.NULL')).toMatchObject({ op: 'is', value: 'null' })
    expect(parseFilterValue('a', 'not.is.true')).toMatchObject({
      negated: true,
      op: 'is',
      value: 'true',
    })
    const error = errorOf(() => parseFilterValue('a', 'is.maybe'))
    expect(error.code).toBe('PGRST100')
    expect(error.details).toContain('isVal: (null, not_null, true, false, unknown)')
  })

  it('an unknown operator is PGRST100 with PostgREST-shaped message and details', () => {
    const error = errorOf(() => parseFilterValue('a', 'noop.0'))
    expect(error.status).toBe(400)
    expect(error.message).toBe('"failed to parse filter (noop.0)" (line 1, column 1)')
    expect(error.details).toBe('unexpected "n" expecting "not" or operator (eq, gt, ...)')
  })

  it('operators outside the subset are PGRST127 (not implemented), not silently wrong', () => {
    expect(errorOf(() => parseFilterValue('a', 'fts.cat')).code).toBe('PGRST127')
    expect(errorOf(() => parseFilterValue('a', 'eq(any).{1,2}')).code).toBe('PGRST127')
  })
})

describe('order, select, columns', () => {
  it('order terms', () => {
    expect(parseOrder('id')).toEqual([{ column: 'id' }])
    expect(parseOrder('id.desc,name.asc.nullsfirst,x.nullslast')).toEqual([
      { column: 'id', direction: 'desc' },
      { column: 'name', direction: 'asc', nulls: 'first' },
      { column: 'x', nulls: 'last' },
    ])
    expect(parseOrder('"weird, name".desc')).toEqual([{ column: 'weird, name', direction: 'desc' }])
    expect(errorOf(() => parseOrder('id.asc.smth34')).code).toBe('PGRST100')
    expect(errorOf(() => parseOrder('id.asc.nullslasttt')).code).toBe('PGRST100')
  })

  it('select items', () => {
    expect(parseSelect('*')).toEqual([{ column: '*' }])
    expect(parseSelect('id, name')).toEqual([{ column: 'id' }, { column: 'name' }])
    expect(parseSelect('pId:id::text,field-with_sep')).toEqual([
      { column: 'id', alias: 'pId', cast: 'text' },
      { column: 'field-with_sep' },
    ])
    expect(parseSelect('')).toEqual([])
    expect(errorOf(() => parseSelect('id,clients(*)')).code).toBe('PGRST127')
  })

  it('columns as supabase-js sends them (quoted) and plain', () => {
    expect(parseColumnList('"id","name","slug"', 'columns parameter')).toEqual([
      'id',
      'name',
      'slug',
    ])
    expect(parseColumnList('id, name', 'columns parameter')).toEqual(['id', 'name'])
  })

  it('parseQuery: filters are every other non-empty parameter; or/and and embedded filters are refused', () => {
    const q = parseQuery(
      new URLSearchParams('select=id&id=eq.1&name=&order=id.desc&limit=5&offset=10&apikey=k'),
      { isRpcRead: false },
    )
    expect(q.filters).toEqual([{ column: 'id', negated: false, op: 'eq', value: '1' }])
    expect(q.limit).toBe(5)
    expect(q.offset).toBe(10)
    expect(q.canonical).toBe('apikey=k&id=eq.1&limit=5&name=&offset=10&order=id.desc&select=id')
    expect(
      errorOf(() => parseQuery(new URLSearchParams('or=(a.eq.1,b.eq.2)'), { isRpcRead: false }))
        .code,
    ).toBe('PGRST127')
    expect(
      errorOf(() => parseQuery(new URLSearchParams('clients.id=eq.1'), { isRpcRead: false })).code,
    ).toBe('PGRST108')
    expect(parseQuery(new URLSearchParams('min=1&id=gt.3'), { isRpcRead: true })).toMatchObject({
      rpcArgs: { min: '1' },
      filters: [{ column: 'id', op: 'gt', value: '3' }],
    })
  })
})

describe('ranges (RangeQuery.hs)', () => {
  const range = (query: string, header?: string, method = 'GET') =>
    topLevelRange(parseQuery(new URLSearchParams(query), { isRpcRead: false }), header, method)

  it('limit/offset and the Range header intersect', () => {
    expect(range('')).toEqual({ lower: 0, upper: undefined })
    expect(range('limit=3')).toEqual({ lower: 0, upper: 2 })
    expect(range('limit=3&offset=2')).toEqual({ lower: 2, upper: 4 })
    expect(range('offset=5')).toEqual({ lower: 5, upper: undefined })
    expect(range('limit=3', '0-1')).toEqual({ lower: 0, upper: 1 })
    expect(range('', '10-')).toEqual({ lower: 10, upper: undefined })
    expect(range('limit=0')).toEqual({ lower: 0, upper: -1 })
    expect(range('offset=-4')).toEqual({ lower: 0, upper: undefined })
    expect(range('limit=abc')).toEqual({ lower: 0, upper: undefined }) // not a number: ignored
  })

  it('the Range header counts for GET only', () => {
    expect(range('', '0-1', 'HEAD')).toEqual({ lower: 0, upper: undefined })
    expect(range('', '0-1', 'DELETE')).toEqual({ lower: 0, upper: undefined })
  })

  it('empty ranges are 416 PGRST103', () => {
    expect(errorOf(() => range('', '1-0')).details).toBe(
      'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    )
    expect(errorOf(() => range('limit=-1')).details).toBe(
      'Limit should be greater than or equal to zero.',
    )
    expect(errorOf(() => range('offset=20', '0-9')).status).toBe(416)
  })

  it('Content-Range', () => {
    expect(contentRange(0, 14, undefined)).toBe('0-14/*')
    expect(contentRange(0, -1, undefined)).toBe('*/*')
    expect(contentRange(0, -1, 0)).toBe('*/0')
    expect(contentRange(0, 999, 1000)).toBe('0-999/1000')
    expect(contentRange(100, 99, 15)).toBe('*/15')
    expect(contentRange(1, 0, 3)).toBe('*/3')
  })
})

describe('max-rows (RangeQuery.restrictRange)', () => {
  it('cuts a range to maxRows rows from its offset, keeps a smaller one, and limit=0', () => {
    expect(restrictRange({ lower: 0 }, 5)).toEqual({ lower: 0, upper: 4 })
    expect(restrictRange({ lower: 12 }, 5)).toEqual({ lower: 12, upper: 16 })
    expect(restrictRange({ lower: 3, upper: 20 }, 5)).toEqual({ lower: 3, upper: 7 })
    expect(restrictRange({ lower: 3, upper: 5 }, 5)).toEqual({ lower: 3, upper: 5 })
    expect(restrictRange({ lower: 0, upper: -1 }, 5)).toEqual({ lower: 0, upper: -1 })
    expect(restrictRange({ lower: 7 }, undefined)).toEqual({ lower: 7 })
  })
})

describe('preferences and media types', () => {
  it('several Prefer headers or one comma-separated header; Preference-Applied in PostgREST order', () => {
    const prefs = parsePrefer(
      'return=representation, resolution=merge-duplicates,count=exact, missing=default, unknown=x',
    )
    expect(prefs).toEqual({
      return: 'representation',
      resolution: 'merge-duplicates',
      count: 'exact',
      missing: 'default',
    })
    expect(parsePrefer(['resolution=ignore-duplicates', 'return=minimal'])).toEqual({
      resolution: 'ignore-duplicates',
      return: 'minimal',
    })
    expect(preferenceApplied(prefs)).toBe(
      'resolution=merge-duplicates, missing=default, return=representation, count=exact',
    )
    expect(preferenceApplied({})).toBeUndefined()
  })

  it('Accept', () => {
    expect(negotiateMedia(undefined)).toEqual({ contentType: 'application/json; charset=utf-8' })
    expect(negotiateMedia('*/*')).toEqual({ contentType: 'application/json; charset=utf-8' })
    expect(negotiateMedia('application/vnd.pgrst.object+json')).toMatchObject({ singular: true })
    expect(negotiateMedia('ApplicatIon/vnd.PgRsT.object+json')).toMatchObject({ singular: true })
    expect(negotiateMedia('application/vnd.pgrst.object+json;nulls=stripped')).toMatchObject({
      singular: true,
      stripNulls: true,
    })
    expect(negotiateMedia('text/html, application/json;q=0.9')).toEqual({
      contentType: 'application/json; charset=utf-8',
    })
    expect(errorOf(() => negotiateMedia('text/csv')).code).toBe('PGRST107')
  })
})
