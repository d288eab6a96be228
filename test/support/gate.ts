/**
 * Holds a Payload save at a chosen point of its transaction, so that a test can run another operation
 * in between: the save has read the document (Payload reads it when the save starts) but not written
 * it. `context: { gate: 'name' }` on the Local API call stops it in beforeChange until released.
 */
import type { CollectionBeforeChangeHook } from 'payload'

interface Waiter {
  reached: Promise<void>
  arrive: () => void
  released: Promise<void>
  release: () => void
}

function deferred(): [Promise<void>, () => void] {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return [promise, resolve]
}

export class Gate {
  private readonly waiters = new Map<string, Waiter>()

  /** Arms the gate `name`: `reached` resolves when a save stops there; `release()` lets it go on. */
  arm(name: string): { reached: Promise<void>; release: () => void } {
    const [reached, arrive] = deferred()
    const [released, release] = deferred()
    this.waiters.set(name, { reached, arrive, released, release })
    return { reached, release }
  }

  /** Stops here if `name` is an armed gate, until it is released. */
  async pass(name: unknown): Promise<void> {
    const waiter = typeof name === 'string' ? this.waiters.get(name) : undefined
    if (waiter) {
      waiter.arrive()
      await waiter.released
    }
  }

  readonly hook: CollectionBeforeChangeHook = async ({ data, context }) => {
    await this.pass(context?.gate)
    return data
  }
}
