/** The sync task's slug and the per-document key its jobs carry (Payload's concurrency key). */

export const syncTaskSlug = 'supabase-sync'

/** `collection:id`: one key per document, for its jobs, its lock and its fingerprint. */
export const documentKey = (collection: string, id: string) => `${collection}:${id}`

/** The input a sync job carries: the document it is about. */
export interface SyncJobInput {
  collection: string
  id: string
  /**
   * A pull's save only: the fingerprint of the Supabase row the pull took. Its delivery writes Payload's
   * values back; a row edited in Supabase since (not this row any more) is left for the watch to pull.
   */
  pulled?: string
}
