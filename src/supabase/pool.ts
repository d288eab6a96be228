/** Cutting a batch into requests, and running them a few at a time. */

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Runs the tasks, at most `width` at once; rejects with the first failure. */
export async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<void> {
  const queue = [...tasks]
  await Promise.all(
    Array.from({ length: Math.min(width, queue.length) }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task()
    }),
  )
}
