/** How durations and child output read in the check's report. */

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
export const indent = (text: string, prefix = '      ') =>
  text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n')
export const tail = (text: string, lines = 25) =>
  text.trimEnd().split('\n').slice(-lines).join('\n')
