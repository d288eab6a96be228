/**
 * At most `size` at once; the rest wait their turn, in order. For work that holds a connection of
 * Payload's pool while it needs another (a delivery's transaction reading through Payload): with every
 * connection held by such work, none would get its second, and the pool — the whole app — would hang.
 */
export class Slots {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    try {
      return await work()
    } finally {
      // The slot goes to the next in line as it is, or is freed.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/**
 * How many such transactions a pool of `max` connections takes at once: each may hold two (its own and
 * one for Payload's reads), one connection is left for the operation lock and one for the rest of the
 * app. At least one.
 */
export function readingSlots(max: number): number {
  return Math.max(1, Math.floor((max - 2) / 2))
}
