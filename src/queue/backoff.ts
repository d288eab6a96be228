/** When a failed delivery is tried again. Pure. */
import type { QueueOptions } from '../options.js'

/**
 * Capped exponential backoff with ±20% jitter: a long outage never leaves a job waiting for hours, and
 * a backlog does not come back as one thundering herd. `totalTried`: attempts so far.
 */
export function backoffDelay(
  totalTried: number,
  queue: Pick<QueueOptions, 'backoff' | 'maxBackoff'>,
  random = Math.random,
): number {
  const exponential = queue.backoff * 2 ** Math.max(0, totalTried)
  const capped = Math.min(queue.maxBackoff, exponential)
  return Math.round(capped * (0.8 + 0.4 * random()))
}
