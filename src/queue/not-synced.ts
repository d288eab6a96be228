/** The failure of a job whose collection is not synced (any more): for good, whichever runner finds it. */
import { SyncError } from '../errors.js'

export function notSyncedError(slug: string, id: string): SyncError {
  return new SyncError(`${slug} ${id}: collection "${slug}" is not synced`, {
    collection: slug,
    id,
    operation: 'load',
    kind: 'row',
  })
}
