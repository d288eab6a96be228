/**
 * A pull's save is delivered when Payload does not hold exactly the row the pull read (a column it
 * does not take, a value the mapper maps back): the delivery writes Payload's values back. When the
 * row was edited in Supabase again after the pull read it, that write would replace the newer edit —
 * one no one made in Payload, which the `'pull'` watch exists to take in. Such a row is left as it
 * is, for the watch to pull (and that pull's own save then writes Payload's values back).
 *
 * Only where every job of the document is a pull's save: a save made in Payload meanwhile is Payload's
 * edit, and Payload wins. Only where the row is not the one a pull read: the row as pulled still
 * needs Payload's values. A row deleted since is left too (payload-wins.ts reads such rows before
 * writing: the version guard keeps only rows that are there), and so is a row that read shows edited
 * since already: it carries the mark of a direct write, so the guard would keep it anyway. Pure.
 */
import { fingerprint } from '../mapping/fingerprint.js'
import type { Row } from '../mapping/types.js'
import type { JobRow } from './job-types.js'

/**
 * The documents whose jobs are all pulls' saves, with the fingerprints of the rows those pulls read.
 * A document without a job (a delivery from no save) is not among them.
 */
export function pullsOnly(
  ids: readonly string[],
  jobsOf: (id: string) => readonly JobRow[] | undefined,
): Map<string, ReadonlySet<string>> {
  const out = new Map<string, ReadonlySet<string>>()
  for (const id of ids) {
    const jobs = jobsOf(id)
    if (!jobs?.length || jobs.some((job) => job.pulled === undefined)) continue
    out.set(id, new Set(jobs.map((job) => job.pulled!)))
  }
  return out
}

/**
 * Of the rows the version guard kept (edited around the plugin), those of pulls' saves that Supabase
 * holds in a state no pull read: edited again since. A row that could not be read is not among them
 * (written, as any other).
 */
export function leftForPull(
  stale: readonly string[],
  held: ReadonlyMap<string, Row> | undefined,
  pulled: ReadonlyMap<string, ReadonlySet<string>> | undefined,
  ignore: readonly string[],
): string[] {
  if (!held || !pulled?.size) return []
  return stale.filter((id) => {
    const read = pulled.get(id)
    const row = held.get(id)
    return read !== undefined && row !== undefined && !read.has(fingerprint(row, ignore))
  })
}

/**
 * Whether the row carries the mark sql/002's `supabase_sync_mark_foreign` gives a write made around
 * the plugin: the largest bigint, which JSON numbers read as above any version the plugin writes (a
 * claim's epoch microseconds). A row the plugin wrote itself since (a reconcile) has its claim's.
 */
export function markedForeign(row: Row, versionColumn: string | false): boolean {
  return versionColumn !== false && Number(row[versionColumn]) > Number.MAX_SAFE_INTEGER
}

/**
 * Of the rows of pulls' saves read before the write-back (`held`: those Supabase holds), the ones
 * left without writing: gone since the pull read them, or marked as edited directly in a state no
 * pull read — what the guard would keep and leftForPull leave, known from this read alone. `guarded`:
 * whether the write goes through the version guard at all (without it a marked row is written).
 */
export function leftAsRead(
  ids: readonly string[],
  held: ReadonlyMap<string, Row>,
  pulled: ReadonlyMap<string, ReadonlySet<string>>,
  versionColumn: string | false,
  ignore: readonly string[],
  guarded: boolean,
): string[] {
  const gone = ids.filter((id) => !held.has(id))
  const marked = guarded ? ids.filter((id) => markedForeign(held.get(id) ?? {}, versionColumn)) : []
  return [...gone, ...leftForPull(marked, held, pulled, ignore)]
}
