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

/** A user without `read` is logged once in this long, whatever it sends. */
export const quietMs = 60_000
/** Users remembered for the quiet time at most: beyond, the oldest are forgotten. */
const rememberedUsers = 10_000

export class Refusals {
  /** When each user without `read` was last logged. */
  private readonly logged = new Map<string, number>()

  constructor(readonly access: Access) {}

  /**
   * Returns when the user has the right; otherwise records the refusal and throws a 403. A Sync event
   * only for a user with `read` (one of the team, who may read the trail): any user of any auth
   * collection (a public sign-up) could otherwise push the events of real operations out of the
   * trail, one request at a time. Others are logged, once a minute per user.
   */
  async demand(req: PayloadRequest, runtime: SyncRuntime, demand: Demand): Promise<void> {
    if (await allowed(this.access, demand.right, req)) return
    const what = demand.purpose ?? demand.right
    const actor = actorOf(req, 'endpoint')
    const summary = `refused: the user may not ${what}`
    // A user refused `read` has no read: no need to ask twice.
    const reads = demand.right !== 'read' && (await allowed(this.access, 'read', req))
    if (demand.action && reads)
      await recordEvent(runtime, {
        action: demand.action,
        collectionSlug: demand.collectionSlug,
        outcome: 'refused',
        summary,
        actor,
      })
    else this.logQuietly(runtime, actor.user ?? 'anonymous', demand, summary)
    refuse(
      403,
      demand.purpose
        ? `Forbidden: ${demand.purpose} needs the ${demand.right} right (supabase-sync access option)`
        : `Forbidden: this user may not ${demand.right} (supabase-sync access option)`,
    )
  }

  private logQuietly(runtime: SyncRuntime, user: string, demand: Demand, summary: string): void {
    const now = Date.now()
    const last = this.logged.get(user)
    if (last !== undefined && now - last < quietMs) return
    this.logged.delete(user)
    if (this.logged.size >= rememberedUsers) {
      // In the order they were logged: the first are the oldest.
      for (const [old, at] of this.logged) {
        if (now - at < quietMs && this.logged.size < rememberedUsers) break
        this.logged.delete(old)
      }
    }
    this.logged.set(user, now)
    runtime.logger.warn(
      {
        audit: demand.action,
        collection: demand.collectionSlug,
        outcome: 'refused',
        user,
        right: demand.right,
      },
      `${summary} (not recorded in the Sync events: the user may not read them; logged once a minute per user)`,
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
