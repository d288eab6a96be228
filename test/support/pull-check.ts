/**
 * The convergence test's check of a case under the `'pull'` watch, once both sides are equal:
 * equal sides do not show that an edit was taken (a write-back over a later edit leaves both sides
 * equal, the edit gone from both), so Payload must hold each direct edit no one had the right to
 * lose (test/support/pull-edits.ts decides which).
 */
import type { Payload } from 'payload'
import { expect } from 'vitest'
import type { ConflictEvent } from './direct-writes.js'
import { lostEdits, type PullEdits } from './pull-edits.js'

/** Resolves with the number of edited fields found taken (how much the check saw). */
export async function checkEditsPulled(
  payload: Payload,
  edits: PullEdits,
  conflicts: ConflictEvent[],
): Promise<number> {
  const expected = edits.result()
  if (!expected.size) return 0
  const { docs } = await payload.find({
    collection: 'dealers',
    where: { id: { in: [...expected.keys()] } },
    depth: 0,
    limit: 0,
    pagination: false,
  })
  const lost = lostEdits(
    expected,
    new Map(docs.map((d) => [String(d.id), d as unknown as Record<string, unknown>])),
    conflicts,
  )
  expect(
    lost,
    `direct edits the pull watch lost (the case's conflicts: ${JSON.stringify(conflicts.map((c) => c.fields)).slice(0, 2000)})`,
  ).toEqual([])
  return [...expected.values()].reduce((sum, fields) => sum + fields.size, 0)
}
