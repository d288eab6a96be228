/**
 * What the plugin knows of the project's max-rows (PostgREST's db-max-rows). PostgREST cuts a read to
 * max-rows rows without an error, and a cut answer looks exactly like a short one: a range read would
 * end early, a read by id would lose rows, and the rows left out would pass for missing. So until one
 * read has returned as many rows as a read asks for, reads ask for an exact count too (a count over
 * the read's own filter: a page's key range or its ids, cheap), and an answer with fewer rows than
 * asked and than matched is a cut: from then on reads ask for no more rows than it held. What was
 * learnt is checked again every `relearnMs` (a project's max-rows can be lowered while the app runs:
 * reads no longer counted would take every cut answer for a short one).
 */
import { TargetError } from '../errors.js'
import type { TableSpec } from './spec.js'

/** How long what one full answer showed is trusted before reads are counted again. */
export const relearnMs = 10 * 60_000

export class ReadLimit {
  /** The most rows one answer has held since `since`: the project's max-rows is at least this. */
  private atLeast = 0
  private since: number
  private limit: number

  constructor(
    private readonly configured: number,
    /** Told of a cut answer below what reads asked for: the project's max-rows, below `maxRows`. */
    private readonly onCut: (maxRows: number, configured: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = configured
    this.since = now()
  }

  /** Rows to ask for per read: the plugin's `maxRows`, or the project's max-rows once a cut showed it. */
  get rows(): number {
    return this.limit
  }

  /** Whether a read asking for `asked` rows needs a count to tell a cut answer from a short one. */
  needsCount(asked: number): boolean {
    if (this.now() - this.since > relearnMs) {
      this.atLeast = 0
      this.since = this.now()
    }
    return asked > this.atLeast
  }

  /**
   * Learns from one answer: `got` rows of `asked`, `matched` the exact count when one was asked for.
   * True when the answer was cut (the caller reads on for the rest).
   */
  observe(spec: TableSpec, asked: number, got: number, matched: number | null): boolean {
    this.atLeast = Math.max(this.atLeast, got)
    if (matched === null || got >= asked || got >= matched) return false
    if (got === 0)
      throw new TargetError(
        `${spec.table}: Supabase answered a read with none of the ${matched} rows that match (is its max-rows 0?)`,
        { collection: spec.collection, operation: 'read', kind: 'endpoint' },
      )
    if (got < this.limit) {
      this.limit = got
      this.onCut(got, this.configured)
    }
    return true
  }
}
