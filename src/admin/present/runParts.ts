/**
 * **Push all** of a drift list longer than one request takes (`idsPerRun`): consecutive runs of a part
 * each, named "part k of n" while they go, and one sentence for all of them at the end. Pure.
 */
import type { SyncResult } from '../../ops/options.js'
import { chunks } from './paging.js'

export type PartResult = Partial<
  Pick<
    SyncResult,
    'upserted' | 'deleted' | 'unchanged' | 'queued' | 'failed' | 'orphansKept' | 'guard'
  >
>

/** The ids in the order given, in parts of at most `size` (one part when they fit). */
export function runParts<T>(ids: readonly T[], size: number): T[][] {
  return ids.length ? chunks(ids, size) : [[]]
}

/** What the progress line and the toasts call a part: the action alone when there is one part. */
export function partLabel(what: string, index: number, parts: number): string {
  return parts > 1 ? `${what}, part ${index + 1} of ${parts}` : what
}

/** The parts' results as one: counts added, failures in order, the first guard's refusal. */
export function sumResults(results: readonly PartResult[]): PartResult {
  const sum: Required<Omit<PartResult, 'guard'>> & { guard?: string } = {
    upserted: 0,
    deleted: 0,
    unchanged: 0,
    queued: 0,
    failed: [],
    orphansKept: 0,
  }
  for (const r of results) {
    sum.upserted += r.upserted ?? 0
    sum.deleted += r.deleted ?? 0
    sum.unchanged += r.unchanged ?? 0
    sum.queued += r.queued ?? 0
    sum.orphansKept += r.orphansKept ?? 0
    sum.failed.push(...(r.failed ?? []))
    sum.guard ??= r.guard
  }
  return sum
}
