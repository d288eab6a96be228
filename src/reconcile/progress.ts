/**
 * How far a long run (validate, sync, reset) has got: documents and rows read, differences found, the
 * rate and the time left — for the command's progress line, the console and the endpoint's run state.
 * Pure apart from the clock it is given.
 */
export interface RunProgress {
  documents: number
  /** Documents to read, about (the count when the run started). */
  total: number
  rows: number
  differences: number
  elapsedMs: number
  /** Documents per second so far. */
  rate: number
  /** Time left at this rate; null until there is a rate. */
  etaMs: number | null
}

export type ProgressListener = (progress: RunProgress) => void

export class ProgressMeter {
  private documents = 0
  private rows = 0
  private differences = 0
  private readonly started: number

  constructor(
    private readonly total: number,
    private readonly listener?: ProgressListener,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now()
  }

  add(page: { documents?: number; rows?: number; differences?: number }): void {
    this.documents += page.documents ?? 0
    this.rows += page.rows ?? 0
    this.differences += page.differences ?? 0
    this.listener?.(this.snapshot())
  }

  snapshot(): RunProgress {
    const elapsedMs = Math.max(1, this.now() - this.started)
    const total = Math.max(this.total, this.documents)
    const rate = (this.documents / elapsedMs) * 1000
    return {
      documents: this.documents,
      total,
      rows: this.rows,
      differences: this.differences,
      elapsedMs: Math.round(elapsedMs),
      rate: Math.round(rate),
      etaMs: rate > 0 ? Math.round(((total - this.documents) / rate) * 1000) : null,
    }
  }
}
