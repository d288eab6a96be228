/**
 * Fingerprints are stored per document: the one-pass writer must spell every row exactly as the first
 * version did (a sorted copy through JSON.stringify), or every stored fingerprint would differ after an
 * upgrade and the next save of each document would be written again. Pure: no database.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fingerprint, noRow } from '../src/mapping/fingerprint.js'
import type { Row } from '../src/mapping/types.js'

const isoTimestamp = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/

/** The first version, verbatim. */
function canonical(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' && isoTimestamp.test(value)) {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? value : `@${ms}`
  }
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined && v !== null) out[key] = canonical(v)
    }
    return out
  }
  return value
}

function original(row: Row | null, ignore: readonly string[] = []): string {
  if (row === null) return noRow
  const copy: Row = { ...row }
  for (const column of ignore) delete copy[column]
  return createHash('sha256')
    .update(JSON.stringify(canonical(copy)))
    .digest('base64url')
    .slice(0, 27)
}

const timestamp = fc
  .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().replace('Z', '+00:00'),
      d.toISOString().replace('T', ' ').replace('Z', '+02'),
      d.toISOString().slice(0, 16) + 'Z',
    ),
  )
const key = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '0',
    '1',
    '2',
    '10',
    '9',
    '007',
    '-1',
    '1.5',
    '4294967294',
    '4294967295',
    '__proto__',
    'a',
    'B',
    'é',
  ),
)
const leaf = fc.oneof(
  fc.string(),
  timestamp,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
)
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
}))

describe('fingerprint', () => {
  it('spells every row as the first version did', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 8 }),
        fc.array(key, { maxLength: 2 }),
        (row, ignore) => {
          expect(fingerprint(row as Row, ignore)).toBe(original(row as Row, ignore))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('a dealer row, and the same row as PostgreSQL gives it back, have one fingerprint', () => {
    const payload = {
      id: '1',
      name: 'A',
      api_config: { platforms: ['homenet'], homenet_config: { rooftop_id: 'R-1', b: null } },
      created_at: '2026-11-26T08:00:00.000Z',
    }
    const supabase = {
      created_at: '2026-11-26 08:00:00+00:00',
      api_config: { homenet_config: { rooftop_id: 'R-1' }, platforms: ['homenet'] },
      name: 'A',
      id: '1',
    }
    expect(fingerprint(payload)).toBe(fingerprint(supabase))
    expect(fingerprint(payload)).toBe(original(payload))
    expect(fingerprint(null)).toBe(noRow)
  })
})
