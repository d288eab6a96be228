import { describe, expect, it } from 'vitest'
import { fingerprint, noRow } from '../src/mapping/fingerprint.js'

// Fingerprints are stored per document: a new spelling of the same row would read as a change on every
// document after an upgrade. These values were computed by the first implementation.
describe('fingerprint', () => {
  const row = {
    id: 'a1',
    name: 'North',
    slug: 'north',
    domain: null,
    rooftop_id: undefined,
    api_config: {
      z: 1,
      a: [{ y: '2026-11-26T10:00:00.000Z', b: null }],
      m: { q: 'x', c: '2026-11-26 10:00:00+00' },
    },
    created_at: '2026-11-26T10:00:00Z',
    updated_at: '2026-11-26T10:00:00.000Z',
    sync_version: 9,
  }

  it('keeps the values stored by earlier versions', () => {
    expect(fingerprint(row)).toBe('29pgvFnzc99WjRjXOD_p0-kgmzC')
    expect(fingerprint(row, ['sync_version', 'updated_at'])).toBe('I1jQ8-g9Z_4jSad5RPGuR8YMd9g')
    expect(
      fingerprint({
        id: 'b2',
        name: '2026-11-26 is a date',
        tags: ['2026-13-99T99:99', 1, true, null],
        nested: { deep: { deeper: [{}, []] } },
      }),
    ).toBe('hA_8cQnNcrmWLVgjIsgLlz4e3kd')
    expect(fingerprint(null)).toBe(noRow)
  })

  it('spells a row one way: key order, timestamp notation and undefined do not matter', () => {
    const reordered = {
      sync_version: 10,
      created_at: '2026-11-26T10:00:00.000+00:00',
      api_config: {
        m: { c: '2026-11-26T10:00:00Z', q: 'x' },
        a: [{ b: undefined, y: '2026-11-26 10:00:00+00' }],
        z: 1,
      },
      slug: 'north',
      name: 'North',
      id: 'a1',
      updated_at: '2020-01-01T00:00:00Z',
    }
    expect(fingerprint(reordered, ['sync_version', 'updated_at'])).toBe(
      fingerprint(row, ['sync_version', 'updated_at']),
    )
    expect(fingerprint({ ...reordered, name: 'South' }, ['sync_version', 'updated_at'])).not.toBe(
      fingerprint(row, ['sync_version', 'updated_at']),
    )
    // Only top-level columns are left out: a nested key of the same name is data.
    expect(fingerprint({ a: { sync_version: 1 } }, ['sync_version'])).not.toBe(
      fingerprint({ a: { sync_version: 2 } }, ['sync_version']),
    )
  })

  it('spells a Date (z.date()) as the ISO string it is sent as', () => {
    const at = (iso: string) => fingerprint({ id: 'a1', due: new Date(iso) })
    expect(at('2026-11-26T10:00:00.000Z')).toBe(
      fingerprint({ id: 'a1', due: '2026-11-26T10:00:00+00:00' }),
    )
    expect(at('2026-11-26T10:00:00.000Z')).not.toBe(at('2027-11-26T10:00:00.000Z'))
  })
})
