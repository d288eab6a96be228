/**
 * Which rows the startup catch-up of the 'pull' policy takes for edits made in Supabase while no
 * instance watched: marked by sql/005 as written around the plugin, and not as the plugin last knew
 * them. A row pulled whole is not written back (hooks/pulled-row.ts), so it keeps the mark of the
 * edit it took in for good; its fingerprint, recorded with the pull's save, tells that it is no new
 * edit — else a later deploy that changes the mapper would have it pulled (or skipped as newer in
 * Payload, a catch of no one's edit) instead of rewritten by the reconcile. Pure.
 */
import { fingerprint } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'

/** The ids of the rows whose fingerprint is not the one last recorded for their document. */
export function unseenRows(
  rows: readonly Row[],
  primaryKey: string,
  /** The recorded fingerprint of a row's document, by id (none: never recorded). */
  recorded: (id: string) => string | undefined,
  ignore: readonly string[],
): string[] {
  const out: string[] = []
  for (const row of rows) {
    const id = String(row[primaryKey])
    if (recorded(id) !== fingerprint(row, ignore)) out.push(id)
  }
  return out
}
