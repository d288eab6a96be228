/**
 * A check's result as the console's drift lists: changed, missing, extra and unmappable rows, their
 * tab labels, and which tab opens first (the first one that has rows). Pure.
 */
import type { ValidateResult } from '../../ops/validate.js'

export type DriftTab = 'changed' | 'missing' | 'extra' | 'failed'

export const driftTabs: readonly DriftTab[] = ['changed', 'missing', 'extra', 'failed']

export const driftTabLabels: Record<DriftTab, string> = {
  changed: 'Changed rows',
  missing: 'Missing rows',
  extra: 'Extra rows',
  failed: 'Unmappable',
}

/** The ids of each list, in the check's order. */
export type DriftLists = Record<DriftTab, string[]>

export function driftListsOf(result: ValidateResult | null | undefined): DriftLists {
  return {
    changed: result?.changed.map((c) => c.id) ?? [],
    missing: result?.missing ?? [],
    extra: result?.extra ?? [],
    failed: result?.failed.map((f) => f.id) ?? [],
  }
}

/** The first list with rows (changed when all are empty). */
export function firstDriftTab(lists: DriftLists): DriftTab {
  return driftTabs.find((t) => lists[t].length > 0) ?? 'changed'
}
