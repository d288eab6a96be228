/**
 * Progress of a long run on stderr: on a terminal one line that redraws, ended by a newline; into a
 * pipe or a file a plain line at most every 2 s (and the last one), so that logs stay readable.
 */
export interface Progress {
  update(done: number, total: number): void
  end(): void
}

export function progress(stream: NodeJS.WriteStream = process.stderr, label = 'documents'): Progress {
  const tty = Boolean(stream.isTTY)
  let drawn = false
  let lastLine = 0
  let last: [number, number] | undefined
  const text = (done: number, total: number) => `  ${done} / ${total} ${label}`
  return {
    update(done, total) {
      last = [done, total]
      if (tty) {
        stream.write(`\r\x1b[2K${text(done, total)}`)
        drawn = true
      } else if (Date.now() - lastLine >= 2_000) {
        stream.write(`${text(done, total)}\n`)
        lastLine = Date.now()
      }
    },
    end() {
      if (tty && drawn) stream.write('\n')
      else if (!tty && last && lastLine !== 0) stream.write(`${text(...last)}\n`)
      drawn = false
    },
  }
}
