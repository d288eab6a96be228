/**
 * A request refused for want of a right: answered with 403, changing nothing but the record of the
 * refusal (a write operation's refusal is a Sync event with the user).
 */
import type { PayloadRequest } from 'payload'
import type { EventAction } from '../collections/events.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { allowed, type Access, type Right } from './access.js'
import { actorOf, recordEvent } from './audit.js'
import { refuse } from './http-errors.js'

export interface Demand {
  right: Right
  collectionSlug: string
  /** Recorded as this operation's refusal; without it the refusal is not recorded. */
  action?: EventAction
  /** What the right is needed for, when it is not the operation itself (a flag). */
  purpose?: string
}

export class Refusals {
  constructor(readonly access: Access) {}

  /** Returns when the user has the right; otherwise records the refusal and throws a 403. */
  async demand(req: PayloadRequest, runtime: SyncRuntime, demand: Demand): Promise<void> {
    if (await allowed(this.access, demand.right, req)) return
    const what = demand.purpose ?? demand.right
    if (demand.action)
      await recordEvent(runtime, {
        action: demand.action,
        collectionSlug: demand.collectionSlug,
        outcome: 'refused',
        summary: `refused: the user may not ${what}`,
        actor: actorOf(req, 'endpoint'),
      })
    refuse(
      403,
      demand.purpose
        ? `Forbidden: ${demand.purpose} needs the ${demand.right} right (supabase-sync access option)`
        : `Forbidden: this user may not ${demand.right} (supabase-sync access option)`,
    )
  }
}

/**
 * `force: true` on a sync bypasses the mass-delete guard: it can delete every row of the table (a
 * Payload pointed at an empty database). That is what the `reset` right restricts, so it needs it.
 */
export function forceDemand(collectionSlug: string, action: EventAction): Demand {
  return {
    right: 'reset',
    collectionSlug,
    action,
    purpose: 'force: true (which bypasses the mass-delete guard)',
  }
}
