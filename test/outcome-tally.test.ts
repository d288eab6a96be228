/**
 * What a delivery's outcomes add to the lag metrics (supabase_sync_lag_seconds, the history's lag):
 * the time a change took to reach its row in Supabase — only documents written or deleted. Pure.
 */
import { describe, expect, it } from 'vitest'
import { tallyOutcomes, type DocumentOutcome } from '../src/queue/outcomes.js'

const outcome = (id: string, o: DocumentOutcome['outcome'], lagMs?: number): DocumentOutcome => ({
  id,
  op: o === 'deleted' ? 'delete' : o === 'unchanged' ? 'none' : 'upsert',
  outcome: o,
  ...(lagMs === undefined ? {} : { lagMs }),
})

describe('tallyOutcomes', () => {
  const tally = tallyOutcomes([
    outcome('a', 'written', 10),
    outcome('b', 'deleted', 20),
    outcome('c', 'left', 30),
    outcome('d', 'unchanged', 40),
    outcome('e', 'failed', 50),
    outcome('f', 'busy', 60),
    outcome('g', 'written'),
  ])

  it('counts every outcome', () => {
    expect(tally.counts).toEqual({
      written: 2,
      deleted: 1,
      left: 1,
      unchanged: 1,
      failed: 1,
      busy: 1,
    })
  })
  it('takes the lags of documents written or deleted from jobs only: a row left for the watch or found unchanged had nothing written', () => {
    expect(tally.lags).toEqual([
      { outcome: 'written', ms: 10 },
      { outcome: 'deleted', ms: 20 },
    ])
  })
})
