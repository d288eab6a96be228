import { describe, expect, it } from 'vitest'
import { isConflict, isTransient, parseRetryAfter } from '../src/target/classify.js'
import { sqlStateStatus } from '../src/target/sqlstate.js'
import { backoffDelay } from '../src/sync/task.js'

describe('error classification', () => {
  it.each([
    [0, undefined, true],
    [429, undefined, true],
    [502, undefined, true],
    [503, 'PGRST001', true],
    [504, 'PGRST003', true],
    [522, undefined, true],
    [500, '40001', true],
    [500, '40P01', true],
    [500, '57P01', true],
    [500, 'XX000', false],
    [400, '22P02', false],
    [401, 'PGRST301', false],
    [404, 'PGRST205', false],
    [409, '23505', false],
  ])('status %s code %s transient=%s', (status, code, transient) => {
    expect(isTransient({ status, code })).toBe(transient)
  })
  it('knows a unique violation is a conflict', () => {
    expect(isConflict({ status: 409, code: '23505' })).toBe(true)
    expect(isConflict({ status: 400, code: '22P02' })).toBe(false)
  })
  it('reads Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('2')).toBe(2000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
  it('maps SQLSTATEs to PostgREST statuses', () => {
    expect(sqlStateStatus('23505')).toBe(409)
    expect(sqlStateStatus('23502')).toBe(400)
    expect(sqlStateStatus('42P01')).toBe(404)
    expect(sqlStateStatus('08006')).toBe(503)
    expect(sqlStateStatus('53400')).toBe(500)
    expect(sqlStateStatus('40001')).toBe(500)
  })
})

describe('job backoff', () => {
  it('doubles from the base and is capped', () => {
    const q = { backoff: 1000, maxBackoff: 30_000 }
    const mid = () => 0.5
    expect(backoffDelay(0, q, mid)).toBe(1000)
    expect(backoffDelay(3, q, mid)).toBe(8000)
    expect(backoffDelay(20, q, mid)).toBe(30_000)
    expect(backoffDelay(20, q, () => 1)).toBeLessThanOrEqual(36_000)
  })
})
