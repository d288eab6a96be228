/**
 * The plugin's own deliveries stream back through Realtime: a row equal to what the plugin last
 * delivered for its document (the fingerprint it keeps) is an echo, not a change made around it.
 */
import { fingerprint, noRow } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import { documentKey } from '../queue/keys.js'
import type { StateStore } from '../queue/state.js'
import type { TableChange } from '../supabase/realtime.js'
import { bookkeepingColumns, type SyncedCollection } from '../synced.js'

/** The changes of a batch that are not echoes of the plugin's own deliveries. */
export async function withoutEchoes(
  state: StateStore,
  collection: SyncedCollection,
  changes: Map<string, TableChange>,
): Promise<Map<string, TableChange>> {
  const ignore = bookkeepingColumns(collection)
  const known = await state.get([...changes.keys()].map((id) => documentKey(collection.slug, id)))
  const out = new Map<string, TableChange>()
  for (const [id, change] of changes) {
    const seen = change.type === 'DELETE' ? noRow : fingerprint(change.new as Row, ignore)
    if (known.get(documentKey(collection.slug, id))?.fingerprint !== seen) out.set(id, change)
  }
  return out
}
