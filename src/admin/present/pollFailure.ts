/**
 * What the console does when a poll of a background run (`GET …/runs/:id`) fails. The run goes on
 * on the server whatever the browser sees, so a failed poll never means the run failed:
 *
 * - a transient failure (no answer, a timeout, 429, a 5xx such as a proxy's 502 during a deploy) is
 *   polled again, with a growing pause, a few times;
 * - a 404 means this app instance does not know the run: runs live in the memory of the instance
 *   that started them, so another instance answered (behind a load balancer) or this one restarted.
 *   Polling again cannot help; the console says it lost track of the run, not that the run failed;
 * - any other answer (401 after the session ended, 403) also ends the following, in the same words.
 */

/** Transient failures in a row polled again before the console gives up on following the run. */
export const pollRetries = 5

/** The longest pause between two polls after failures. */
const maxRetryDelayMs = 8_000

export type AfterPollError =
  { action: 'retry'; delayMs: number } | { action: 'lost'; message: string }

/** `status` 0: no answer at all (network, aborted). */
export function isTransientPollStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500
}

/**
 * The next step after a failed poll. `failuresInARow`: this one included (1 for the first);
 * `pollMs`: the normal pause between polls, which the retries double from.
 */
export function afterPollError(
  error: { status: number; message: string },
  failuresInARow: number,
  pollMs: number,
): AfterPollError {
  const still = 'it may still be running: its result is in the Sync events when it ends'
  if (error.status === 404)
    return {
      action: 'lost',
      message: `Lost track of the run: this app instance does not know it (runs are kept per instance; another one answered, or this one restarted); ${still}`,
    }
  if (isTransientPollStatus(error.status) && failuresInARow <= pollRetries)
    return {
      action: 'retry',
      delayMs: Math.min(maxRetryDelayMs, pollMs * 2 ** failuresInARow),
    }
  const tries = failuresInARow > 1 ? ` (${failuresInARow} polls in a row failed)` : ''
  return { action: 'lost', message: `Lost track of the run: ${error.message}${tries}; ${still}` }
}
