/** Small helpers the bench sections share. */

/** The p-th percentile (nearest rank) of the values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
