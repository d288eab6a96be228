/**
 * What a convergence case under the `'pull'` watch expects Payload to hold once it converged: the
 * values of the direct edits the watch must have taken. Equal sides alone do not show it — a pull's
 * write-back that replaced a later edit (bc67198's bug) leaves both sides equal, the edit gone from
 * both. Pure: the test tells it what each batch did, in batch order.
 *
 * An expectation is dropped wherever losing the edit is someone's right, not the plugin's fault:
 * - a save of the document in Payload in that batch or a later one (Payload wins; and a Payload
 *   update writes back every field it read when it started, so one that started before the pull's
 *   save committed puts the old value back in Payload itself), or its delete;
 * - a sync, reconcile or reset of the dealers then (they make Supabase equal Payload, full stop, and
 *   may get there before the watch pulls) — also the startup reconcile of a child process started
 *   again (a kill), which runs on after its start, into later batches;
 * - a row Payload refuses (a blank name): the whole row is reverted, edits made before it included,
 *   and those made after it until the revert lands;
 * - two direct edits of the dealer in one batch (their order is unknown).
 */
import type { Op, TamperedColumn } from './convergence-ops.js'

/** What Payload must hold for a dealer: field → value. */
export type Expected = Map<string, Map<string, string>>

/**
 * The fields a direct edit sets that Payload takes, with their values (test/support/direct-writes.ts);
 * `refused` if the row it leaves has a blank name — also an edit of another column made before an
 * earlier blank name was reverted: the pull refuses the row as a whole, and the revert writes Payload's
 * row over it.
 */
export function takenValues(
  /** Also tamperAndPull's: `name` set to `from Supabase n`, or a derived key (taken: nothing). */
  column: TamperedColumn | 'pulledName' | 'derived',
  n: number,
  nameAfter: string,
): Map<string, string> | 'refused' {
  if (!nameAfter.trim()) return 'refused'
  const out = new Map<string, string>()
  if (column === 'domain' || column === 'domainAndCreatedAt')
    out.set('domain', `direct-${n}.example`)
  if (column === 'name') out.set('name', `direct name ${n}`)
  if (column === 'pulledName') out.set('name', `from Supabase ${n}`)
  return out
}

/** Operations that write every dealers row Payload's way (a scoped sync tells its ids: `written`). */
const replacesAll = (op: Op): boolean =>
  op.t === 'kill' ||
  ((op.t === 'reconcile' || op.t === 'cancelledSync' || op.t === 'reset') &&
    op.collection === 'dealers')

/** Fed as a case runs (each batch's direct edits and Payload writes, then its end), in batch order. */
export class PullEdits {
  private readonly expected: Expected = new Map()
  private edits: Array<{ id: string; values: Map<string, string> | 'refused' }> = []
  private writes = new Set<string>()

  /** A direct edit of a dealer's row in the batch running (one that found a row). */
  edited(id: string, values: Map<string, string> | 'refused'): void {
    this.edits.push({ id, values })
  }

  /** A save or delete of the dealer in Payload in the batch running, or a sync of it. */
  written(id: string): void {
    this.writes.add(id)
  }

  /**
   * The batch ran (these were its operations): what it did is settled into the expectations.
   * `reconciled`: a startup reconcile was running when it began.
   */
  batchRan(ops: readonly Op[], reconciled: boolean): void {
    const edits = this.edits
    const writes = this.writes
    this.edits = []
    this.writes = new Set()
    if (reconciled || ops.some(replacesAll)) return this.expected.clear()
    for (const id of writes) this.expected.delete(id)
    const count = new Map<string, number>()
    for (const { id } of edits) count.set(id, (count.get(id) ?? 0) + 1)
    for (const { id, values } of edits) {
      if (writes.has(id)) continue
      if (values === 'refused' || count.get(id)! > 1) {
        this.expected.delete(id)
        continue
      }
      const fields = this.expected.get(id) ?? new Map<string, string>()
      for (const [field, value] of values) fields.set(field, value)
      this.expected.set(id, fields)
    }
  }

  /** What Payload must hold once the case converged. */
  result(): Expected {
    return this.expected
  }
}

/**
 * The expected values Payload does not hold, but for those a conflict names (a delivery replaced
 * the edit and said so: a save of the document made before the edit, delivered after it).
 */
export function lostEdits(
  expected: Expected,
  docs: ReadonlyMap<string, Record<string, unknown>>,
  conflicts: ReadonlyArray<{ fields?: Record<string, string[]> }>,
): Array<{ id: string; field: string; want: string; payload: unknown }> {
  const recorded = (id: string, field: string) =>
    conflicts.some((c) => c.fields?.[id]?.some((f) => f === field || f === '(row)'))
  return [...expected].flatMap(([id, fields]) =>
    [...fields]
      .filter(([field, want]) => docs.get(id)?.[field] !== want && !recorded(id, field))
      .map(([field, want]) => ({ id, field, want, payload: docs.get(id)?.[field] })),
  )
}
