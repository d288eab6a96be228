/**
 * Which rows a pull's save leaves for the realtime watch to pull (src/queue/left-for-pull.ts), pure:
 * only documents whose every job is a pull's save, and only rows Supabase holds in a state no pull read.
 */
import { describe, expect, it } from 'vitest'
import { fingerprint } from '../src/mapping/fingerprint.js'
import type { JobRow } from '../src/queue/job-types.js'
import { leftForPull, pullsOnly } from '../src/queue/left-for-pull.js'

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
