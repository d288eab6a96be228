/**
 * Splitting a refused batch: PostgREST refuses a whole request for one row's sake (413 too large, a
 * constraint, a bad value). Every write path — the apply function and the plain upsert and delete —
 * halves such a batch until the bad items stand alone, and only they fail.
 */
import { TargetError } from '../errors.js'
import { shouldSplit } from './classify.js'

/**
 * Writes `items` in one request; a batch refused as a whole for one item's sake (413, a constraint) is
 * halved until the bad items stand alone, and only they are failed.
 */
export async function splitting<T>(
  items: T[],
  write: (part: T[]) => Promise<void>,
  fail: (part: T[], error: unknown) => void,
): Promise<void> {
  try {
    await write(items)
  } catch (error) {
    if (
      error instanceof TargetError &&
      shouldSplit({ status: error.status ?? 0, code: error.code, rows: items.length })
    ) {
      const mid = Math.ceil(items.length / 2)
      await splitting(items.slice(0, mid), write, fail)
      await splitting(items.slice(mid), write, fail)
      return
    }
    fail(items, error)
  }
}
