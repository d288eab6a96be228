import { describe, expect, it } from 'vitest'
import {
  classifyFailure,
  isConflict,
  isTransient,
  parseRetryAfter,
  shouldSplit,
} from '../src/supabase/classify.js'
import { sqlStateStatus } from '../src/supabase/sqlstate.js'
import { backoffDelay } from '../src/queue/backoff.js'

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
    [500, 'XX000', true],
    [500, '57014', true],
    [500, '57P02', true],
    [503, '53300', true],
    [500, '08006', true],
    [500, undefined, true],
    [500, '22P02', false],
    [400, '22P02', false],
    [401, 'PGRST301', false],
    [404, 'PGRST205', false],
    [409, '23505', false],
  ])('status %s code %s transient=%s', (status, code, transient) => {
    expect(isTransient({ status, code })).toBe(transient)
  })
  it.each([
    [401, 'PGRST301', 'endpoint'],
    [401, undefined, 'endpoint'],
    [403, '42501', 'endpoint'],
    [404, 'PGRST205', 'endpoint'],
    [404, 'PGRST202', 'endpoint'],
    [404, '42P01', 'endpoint'],
    [400, 'PGRST204', 'endpoint'],
    [409, '23505', 'conflict'],
    [400, '23514', 'row'],
    [400, '22P02', 'row'],
    [413, undefined, 'row'],
    [429, undefined, 'transient'],
    [0, undefined, 'transient'],
    // Every request refused, whatever its rows: an old apply function beside the new one, a
    // read-only database, a policy that recurses.
    [300, 'PGRST203', 'endpoint'],
    [405, '25006', 'endpoint'],
    [500, '42P17', 'endpoint'],
    [400, '42703', 'endpoint'],
    // Caused by the rows of the request (a trigger's refusal, a key twice in one statement):
    // split and fail alone, not retried forever.
    [500, '09000', 'row'],
    [500, '21000', 'row'],
    [500, '27000', 'row'],
    [400, '44000', 'row'],
    // Unknown server errors stay transient: retried, never given up.
    [500, 'XX000', 'transient'],
  ] as const)('status %s code %s is %s', (status, code, kind) => {
    expect(classifyFailure({ status, code })).toBe(kind)
  })
  it('classifies a row refused by the apply function by its SQLSTATE', () => {
    expect(classifyFailure({ status: 400, code: '23514', perRow: true })).toBe('row')
    expect(classifyFailure({ status: 409, code: '23505', perRow: true })).toBe('conflict')
    expect(classifyFailure({ status: 500, code: '57014', perRow: true })).toBe('transient')
  })
  it('splits a batch refused as a whole for a row-level cause, never a single row or an outage', () => {
    expect(shouldSplit({ status: 413, rows: 10 })).toBe(true)
    expect(shouldSplit({ status: 400, code: '23514', rows: 10 })).toBe(true)
    expect(shouldSplit({ status: 413, rows: 1 })).toBe(false)
    expect(shouldSplit({ status: 503, rows: 10 })).toBe(false)
    expect(shouldSplit({ status: 401, rows: 10 })).toBe(false)
  })
  it('splits a batch that timed out (its retries spent): the size may be the cause; not a single row', () => {
    expect(shouldSplit({ status: 500, code: '57014', rows: 10 })).toBe(true)
    expect(shouldSplit({ status: 500, code: '57014', rows: 1 })).toBe(false)
    expect(shouldSplit({ status: 400, code: 'SYNDL', rows: 10 })).toBe(true)
    expect(classifyFailure({ status: 400, code: 'SYNDL' })).toBe('transient')
    expect(shouldSplit({ status: 0, rows: 10 })).toBe(false)
  })
  it("takes the platform's refusals for the endpoint's, never a row's: no split, nothing given up", () => {
    for (const info of [
      { status: 402 },
      { status: 540 },
      { status: 406, code: 'PGRST106' },
      { status: 400 },
      { status: 418 },
    ]) {
      expect(classifyFailure(info)).toBe('endpoint')
      expect(shouldSplit({ ...info, rows: 10 })).toBe(false)
    }
    // A trigger's own 402 (PT402) is about its row.
    expect(classifyFailure({ status: 402, code: 'PT402' })).toBe('row')
    // A body or a URL too large is the batch's size, code or not.
    expect(shouldSplit({ status: 413, rows: 10 })).toBe(true)
    expect(classifyFailure({ status: 414 })).toBe('row')
    // Reported row by row by the apply function, still the endpoint's: a read-only database.
    expect(classifyFailure({ status: 200, code: '25006', perRow: true })).toBe('endpoint')
    expect(classifyFailure({ status: 200, code: '23514', perRow: true })).toBe('row')
    // A gateway's 5xx stays transient.
    expect(classifyFailure({ status: 522 })).toBe('transient')
    expect(classifyFailure({ status: 544 })).toBe('transient')
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
    expect(sqlStateStatus('25006')).toBe(405)
    expect(sqlStateStatus('25001')).toBe(500)
    expect(sqlStateStatus('21000')).toBe(500)
    expect(sqlStateStatus('42P17')).toBe(500)
    expect(sqlStateStatus('57P01')).toBe(503)
    expect(sqlStateStatus('09000')).toBe(500)
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
