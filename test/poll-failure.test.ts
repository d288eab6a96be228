/**
 * The console's following of a background run after a failed poll (src/admin/present/pollFailure.ts,
 * used by usePolledRun): a failed poll is never the run's failure. Before, the first failed poll (a
 * network blip, a proxy's 502, a 404 from another app instance) marked the run failed and stopped.
 */
import { describe, expect, it } from 'vitest'
import { afterPollError, pollRetries } from '../src/admin/present/pollFailure.js'

const pollMs = 400

describe('afterPollError', () => {
  it('polls again after a transient failure (no answer, 502, 503, 429, 408), with a growing pause', () => {
    for (const status of [0, 408, 429, 500, 502, 503, 504]) {
      const first = afterPollError({ status, message: 'x' }, 1, pollMs)
      expect(first).toEqual({ action: 'retry', delayMs: 800 })
    }
    const delays = Array.from({ length: pollRetries }, (_, i) =>
      afterPollError({ status: 502, message: 'Bad Gateway' }, i + 1, pollMs),
    ).map((step) => (step.action === 'retry' ? step.delayMs : -1))
    expect(delays).toEqual([800, 1600, 3200, 6400, 8000])
  })

  it('gives up after the retries, saying it lost track of the run, not that it failed', () => {
    const step = afterPollError({ status: 502, message: 'Bad Gateway' }, pollRetries + 1, pollMs)
    expect(step.action).toBe('lost')
    if (step.action !== 'lost') return
    expect(step.message).toMatch(/^Lost track of the run: Bad Gateway \(6 polls in a row failed\)/)
    expect(step.message).toMatch(/may still be running/)
    expect(step.message).not.toMatch(/run failed/i)
  })

  it('a 404 (the run lives in another app instance, or this one restarted): lost track at once', () => {
    const step = afterPollError({ status: 404, message: 'Not Found: no such run' }, 1, pollMs)
    expect(step.action).toBe('lost')
    if (step.action !== 'lost') return
    expect(step.message).toMatch(/^Lost track of the run: this app instance does not know it/)
    expect(step.message).toMatch(/may still be running/)
  })

  it('an answer polling again cannot change (401, 403): lost track at once', () => {
    for (const status of [400, 401, 403]) {
      const step = afterPollError({ status, message: 'Unauthorized' }, 1, pollMs)
      expect(step).toEqual({
        action: 'lost',
        message: expect.stringMatching(
          /^Lost track of the run: Unauthorized; it may still be running/,
        ),
      })
    }
  })
})
