/**
 * A small line chart as SVG path data, drawn on the server: no chart library, no script in the page.
 * Pure.
 */

export interface ChartShape {
  /** `d` of the line; steps without a value (null) break it. */
  line: string
  /** The largest value (the top of the chart; at least 1). */
  max: number
  total: number
  /** The last value present: the last step recorded (the current one may have none yet). */
  latest: number | null
}

export function chartShape(
  values: ReadonlyArray<number | null>,
  width: number,
  height: number,
): ChartShape {
  const present = values.filter((v): v is number => v !== null)
  const max = Math.max(1, ...present)
  const total = present.reduce((a, b) => a + b, 0)
  const x = (i: number) => (values.length <= 1 ? 0 : (i / (values.length - 1)) * width)
  const y = (v: number) => height - (v / max) * height
  let line = ''
  let drawing = false
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false
      return
    }
    line += `${drawing ? 'L' : 'M'}${round(x(i))} ${round(y(v))} `
    drawing = true
  })
  return { line: line.trim(), max, total, latest: present.at(-1) ?? null }
}

const round = (n: number) => Math.round(n * 10) / 10
