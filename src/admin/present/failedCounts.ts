/**
 * What the console's Failed deliveries panel counts, in its header and under its list alike: failed
 * documents — what the list shows (one line per document, with its latest failure) and what **Retry
 * all** delivers. A document saved again while its delivery kept failing has several failed jobs: the
 * header counted those jobs and the line under the list documents, and the two disagreed. (The jobs
 * are counted where jobs are meant: the health facts' "Failed jobs", the metrics.) Pure.
 */
import type { StatusResult } from '../../ops/status.js'

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`

export interface FailedCounts {
  /** Documents whose delivery failed for good; null when the status could not be read. */
  documents: number | null
  /** How many of them the list shows (the most recent). */
  listed: number
  /** The header's count: "3 documents". */
  heading: string
  /** Under the list, when it shows fewer than all of them. */
  more?: string
}

export function failedCounts(status: StatusResult | undefined): FailedCounts {
  const listed = status?.failures.length ?? 0
  if (!status) return { documents: null, listed, heading: 'unknown' }
  // Every failed document of each collection, not only those listed (a status without the per-collection
  // counts, built elsewhere, has the listed ones only).
  const counted = status.collections.some((c) => c.failed !== undefined)
  const documents = counted ? status.collections.reduce((n, c) => n + (c.failed ?? 0), 0) : listed
  return {
    documents,
    listed,
    heading: plural(documents, 'document'),
    ...(documents > listed
      ? { more: `Showing the ${listed} most recent of ${plural(documents, 'failed document')}.` }
      : {}),
  }
}
