/**
 * Full reconciles, noted across app instances. A rolling deploy starts its instances one after another,
 * and each would reconcile every document at startup, in turn (`exclusive`): at a million documents a
 * minute each. An instance may skip its startup reconcile when a full reconcile that started after it
 * booted has run to its end: that one read every document committed before this instance started, and
 * whatever changes after has a job of its own (its hooks were on from the start).
 */
import type { StateStore } from '../queue/state.js'

/** Runs a full reconcile and, when it runs to its end, notes when it started (database clock). */
export async function notedFullRun<T>(
  state: StateStore,
  collection: string,
  work: () => Promise<T>,
): Promise<T> {
  const startedAt = await state.now()
  const result = await work()
  await state.recordFullRun(collection, startedAt)
  return result
}
