/**
 * Progress of a long run on stderr: on a terminal one line that redraws, ended by a newline; into a
 * pipe or a file a plain line about once a second (and the last one), so that logs stay readable.
 */
import type { RunProgress } from '../reconcile/progress.js'

export interface Progress {
  update(progress: RunProgress): void
  end(): void
}

const seconds = (ms: number) =>
  ms < 60_000
    ? `${Math.ceil(ms / 1000)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.ceil((ms % 60_000) / 1000)} s`

export function describeProgress(p: RunProgress): string {
  const left = p.etaMs === null ? '' : p.documents < p.total ? `, ${seconds(p.etaMs)} left` : ''
  return `  ${p.documents} / ${p.total} documents, ${p.rows} rows, ${p.differences} differing, ${p.rate}/s${left}`
}

export function progress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY)
  let drawn = false
  let lastLine = 0
  let last: RunProgress | undefined
  let printedLast = false
  return {
    update(p) {
      last = p
      printedLast = false
      if (tty) {
        stream.write(`\r\x1b[2K${describeProgress(p)}`)
        drawn = true
      } else if (Date.now() - lastLine >= 1_000) {
        stream.write(`${describeProgress(p)}\n`)
        lastLine = Date.now()
        printedLast = true
      }
    },
    end() {
      if (tty && drawn) stream.write('\n')
      else if (!tty && last && !printedLast) stream.write(`${describeProgress(last)}\n`)
      drawn = false
      last = undefined
    },
  }
}
