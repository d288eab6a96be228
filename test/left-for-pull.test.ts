/**
 * Which rows a pull's save leaves for the realtime watch to pull (src/queue/left-for-pull.ts), pure:
 * only documents whose every job is a pull's save, and only rows Supabase holds in a state no pull read.
 */
import { describe, expect, it } from 'vitest'
import { fingerprint } from '../src/mapping/fingerprint.js'
import type { JobRow } from '../src/queue/job-types.js'
import { leftAsRead, leftForPull, markedForeign, pullsOnly } from '../src/queue/left-for-pull.js'

const ignore = ['sync_version', 'updated_at']
const job = (key: string, pulled?: string): JobRow => ({
  id: `${key}-${pulled ?? 'save'}`,
  key,
  totalTried: 0,
  hasError: false,
  error: null,
  createdAt: new Date(0).toISOString(),
  ...(pulled ? { pulled } : {}),
})

describe('pullsOnly', () => {
  const jobs = new Map<string, JobRow[]>([
    ['a', [job('a', 'fa')]],
    ['b', [job('b', 'fb1'), job('b', 'fb2')]],
    // A save made in Payload beside the pull's: Payload's edit, which wins.
    ['c', [job('c', 'fc'), job('c')]],
    ['d', [job('d')]],
  ])
  const found = pullsOnly(['a', 'b', 'c', 'd', 'e'], (id) => jobs.get(id))

  it('takes documents whose jobs are all pulls’ saves, with every row those pulls read', () => {
    expect([...found.keys()]).toEqual(['a', 'b'])
    expect([...found.get('b')!]).toEqual(['fb1', 'fb2'])
  })
  it('leaves out a document with any other job, and one with no job at all', () => {
    expect(found.has('c')).toBe(false)
    expect(found.has('d')).toBe(false)
    expect(found.has('e')).toBe(false)
  })
})

describe('leftForPull', () => {
  const pulledRow = { id: 'a', name: 'edit one', domain: 'a.example', sync_version: 5 }
  const pulled = new Map([['a', new Set([fingerprint(pulledRow, ignore)])]])

  it('leaves a row edited since the pull read it', () => {
    const held = new Map([['a', { ...pulledRow, domain: 'edit-two.example' }]])
    expect(leftForPull(['a'], held, pulled, ignore)).toEqual(['a'])
  })
  it('writes the row the pull read, bookkeeping aside (the mark the edit left, a new updated_at)', () => {
    const held = new Map([
      ['a', { ...pulledRow, sync_version: '9223372036854775807', updated_at: 'now' }],
    ])
    expect(leftForPull(['a'], held, pulled, ignore)).toEqual([])
  })
  it('writes rows of other saves, rows it could not read, and rows gone', () => {
    const held = new Map([['b', { id: 'b', name: 'x' }]])
    expect(leftForPull(['a', 'b'], held, pulled, ignore)).toEqual([])
    expect(leftForPull(['a'], undefined, pulled, ignore)).toEqual([])
    expect(leftForPull(['a'], new Map(), undefined, ignore)).toEqual([])
  })
})

describe('leftAsRead (the read before the write-back)', () => {
  const pulledRow = { id: 'a', name: 'edit one', domain: 'a.example', sync_version: 5 }
  const pulled = new Map([
    ['a', new Set([fingerprint(pulledRow, ignore)])],
    ['b', new Set(['fb'])],
  ])
  // The largest bigint as JSON.parse reads it (PostgREST sends bigints as JSON numbers).
  const marked = JSON.parse('9223372036854775807') as number
  const left = (held: Map<string, Record<string, unknown>>, guarded = true) =>
    leftAsRead(['a'], held, pulled, 'sync_version', ignore, guarded)

  it('leaves a row gone since, and a row marked as a direct write in a state no pull read', () => {
    expect(leftAsRead(['a', 'b'], new Map(), pulled, 'sync_version', ignore, true)).toEqual([
      'a',
      'b',
    ])
    expect(left(new Map([['a', { ...pulledRow, domain: 'two', sync_version: marked }]]))).toEqual([
      'a',
    ])
  })
  it('writes the row a pull read, marked or not', () => {
    expect(left(new Map([['a', { ...pulledRow, sync_version: marked }]]))).toEqual([])
  })
  it('writes a row the plugin wrote since (its claim’s version, no mark): the guard does not keep it', () => {
    expect(left(new Map([['a', { ...pulledRow, domain: 'two', sync_version: 7 }]]))).toEqual([])
  })
  it('writes a marked row where no guard keeps it (writeMode upsert, a caller recording itself)', () => {
    const held = new Map([['a', { ...pulledRow, domain: 'two', sync_version: marked }]])
    expect(left(held, false)).toEqual([])
  })
  it('knows the mark as JSON numbers and strings carry it, and only in the version column', () => {
    expect(markedForeign({ sync_version: marked }, 'sync_version')).toBe(true)
    expect(markedForeign({ sync_version: '9223372036854775807' }, 'sync_version')).toBe(true)
    expect(markedForeign({ sync_version: Date.now() * 1000 }, 'sync_version')).toBe(false)
    expect(markedForeign({ sync_version: null }, 'sync_version')).toBe(false)
    expect(markedForeign({ sync_version: marked }, false)).toBe(false)
  })
})
