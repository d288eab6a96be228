import { describe, expect, it } from 'vitest'
import { TargetError } from '../src/errors.js'
import { ReadLimit, relearnMs } from '../src/supabase/read-limit.js'

const spec = {
  collection: 'dealers',
  table: 'dealers',
  primaryKey: 'id',
  versionColumn: false as const,
}

describe('ReadLimit: telling a cut answer from a short one', () => {
  it('counts until one answer holds as many rows as asked, then never again for reads that size', () => {
    const limit = new ReadLimit(1000, () => {})
    expect(limit.needsCount(1000)).toBe(true)
    // Short and complete: 40 rows of 40 that match.
    expect(limit.observe(spec, 1000, 40, 40)).toBe(false)
    expect(limit.needsCount(150)).toBe(true)
    expect(limit.needsCount(40)).toBe(false)
    expect(limit.observe(spec, 1000, 1000, 2500)).toBe(false)
    expect(limit.needsCount(1000)).toBe(false)
    expect(limit.rows).toBe(1000)
  })

  it('a cut answer lowers the rows per read to what it held, and is told once', () => {
    const told: Array<[number, number]> = []
    const limit = new ReadLimit(1000, (maxRows, configured) => told.push([maxRows, configured]))
    expect(limit.observe(spec, 1000, 20, 130)).toBe(true)
    expect(limit.rows).toBe(20)
    // Reads of 20 now come back whole or short; a read of 20 that matched more is not a cut.
    expect(limit.observe(spec, 20, 20, 110)).toBe(false)
    expect(limit.needsCount(20)).toBe(false)
    expect(told).toEqual([[20, 1000]])
  })

  it('what a full answer showed is checked again after relearnMs: a max-rows lowered while the app runs is found', () => {
    let clock = 0
    const told: Array<[number, number]> = []
    const limit = new ReadLimit(
      1000,
      (maxRows, configured) => told.push([maxRows, configured]),
      () => clock,
    )
    expect(limit.observe(spec, 1000, 1000, 2500)).toBe(false)
    expect(limit.needsCount(1000)).toBe(false)
    clock += relearnMs - 1
    expect(limit.needsCount(1000)).toBe(false)
    clock += 2
    // Counted again: the project now cuts reads to 500.
    expect(limit.needsCount(1000)).toBe(true)
    expect(limit.observe(spec, 1000, 500, 2500)).toBe(true)
    expect(limit.rows).toBe(500)
    expect(told).toEqual([[500, 1000]])
    // Lowered once more, later: told again.
    clock += relearnMs + 1
    expect(limit.needsCount(500)).toBe(true)
    expect(limit.observe(spec, 500, 200, 2500)).toBe(true)
    expect(limit.rows).toBe(200)
    expect(told).toEqual([
      [500, 1000],
      [200, 1000],
    ])
  })

  it('without a count, nothing is learnt: a short answer ends the read', () => {
    const limit = new ReadLimit(1000, () => {})
    expect(limit.observe(spec, 1000, 20, null)).toBe(false)
    expect(limit.rows).toBe(1000)
  })

  it('an answer with no rows of several that match is an error naming the table, not a loop', () => {
    const limit = new ReadLimit(1000, () => {})
    expect(() => limit.observe(spec, 1000, 0, 5)).toThrow(TargetError)
    expect(() => limit.observe(spec, 1000, 0, 5)).toThrow(/dealers: .*none of the 5 rows/)
  })
})
