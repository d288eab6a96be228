import { describe, expect, it } from 'vitest'
import { changedFields, diffRows, sameValue } from '../src/index.js'
import { deleteAllowed, fieldsToWrite } from '../src/reconcile/diff.js'

describe('sameValue', () => {
  it('treats the same instant in two spellings as equal', () => {
    expect(sameValue('2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.678+00:00')).toBe(true)
    expect(sameValue('2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.679+00:00')).toBe(false)
  })
  it('ignores key order and undefined vs null', () => {
    expect(sameValue({ a: 1, b: [1, { c: null }] }, { b: [1, { c: undefined }], a: 1 })).toBe(true)
    expect(sameValue({ a: 1 }, { a: '1' })).toBe(false)
    expect(sameValue([1, 2], [2, 1])).toBe(false)
  })
  it('compares a Date (z.date()) as the ISO string it is sent as', () => {
    const date = new Date('2026-01-02T03:04:05.678Z')
    expect(sameValue(date, '2026-01-02T03:04:05.678+00:00')).toBe(true)
    expect(sameValue(date, new Date('2026-01-02T03:04:05.678Z'))).toBe(true)
    expect(sameValue(date, new Date('2027-01-02T03:04:05.678Z'))).toBe(false)
    expect(sameValue(date, '2027-01-02T03:04:05.678+00:00')).toBe(false)
  })
})

describe('diffRows', () => {
  const row = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: `n${id}`,
    api_config: { platforms: [], utm_config: null },
    ...extra,
  })
  it('finds missing, extra and changed rows with their fields', () => {
    const expected = new Map([
      ['a', row('a')],
      ['b', row('b', { name: 'new' })],
      ['c', row('c', { api_config: { platforms: ['homenet'], utm_config: null } })],
      ['d', row('d')],
    ])
    const actual = new Map([
      ['b', row('b')],
      ['c', row('c')],
      ['d', row('d')],
      ['z', row('z')],
    ])
    const diff = diffRows(expected, actual)
    expect(diff.missing).toEqual(['a'])
    expect(diff.extra).toEqual(['z'])
    expect(diff.changed).toEqual([
      { id: 'b', fields: ['name'] },
      { id: 'c', fields: ['api_config.platforms'] },
    ])
    expect(diff.unchanged).toBe(1)
  })
  it('reports a column that became null', () => {
    expect(
      changedFields({ domain: 'x', api_config: { a: 1 } }, { domain: null, api_config: null }),
    ).toEqual(['domain', 'api_config'])
  })
})

describe('mass-delete guard', () => {
  it('allows deleting up to the fraction and refuses more', () => {
    expect(deleteAllowed(0, 0, 0.5)).toBe(true)
    expect(deleteAllowed(50, 100, 0.5)).toBe(true)
    expect(deleteAllowed(51, 100, 0.5)).toBe(false)
    expect(deleteAllowed(1, 1, 0.5)).toBe(false)
  })
})

describe('fieldsToWrite', () => {
  const row = { id: 'a', name: 'A', api_config: { x: 1 }, sync_version: 3 }
  const ignore = ['sync_version']
  it('writes nothing where both agree there is no row, or the row is as it must be', () => {
    expect(fieldsToWrite(null, undefined, ignore)).toEqual([])
    expect(fieldsToWrite(row, { ...row, sync_version: 9 }, ignore)).toEqual([])
  })
  it('removes a row that must not be there, adds a missing one, and names the fields that differ', () => {
    expect(fieldsToWrite(null, row, ignore)).toEqual(['(row)'])
    expect(fieldsToWrite(row, undefined, ignore)).toEqual(['(row)'])
    expect(fieldsToWrite(row, { ...row, name: 'B', api_config: { x: 2 } }, ignore)).toEqual([
      'name',
      'api_config.x',
    ])
  })
  it('rewrite (reset) writes every row, equal or not, but still deletes only rows that are there', () => {
    // Written all the same, marked as no difference; a changed row names its fields.
    expect(fieldsToWrite(row, row, ignore, true)).toEqual(['(same)'])
    expect(fieldsToWrite({ ...row, name: 'other' }, row, ignore, true)).toEqual(['name'])
    expect(fieldsToWrite(row, undefined, ignore, true)).toEqual(['(row)'])
    expect(fieldsToWrite(null, row, ignore, true)).toEqual(['(row)'])
    expect(fieldsToWrite(null, undefined, ignore, true)).toEqual([])
  })
})
