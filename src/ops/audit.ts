import type { Payload, PayloadRequest } from 'payload'
import type { Logger } from 'pino'
import { eventsSlug, type EventAction, type EventOutcome } from '../collections/events.js'

/** Who ran an operation, as the audit trail records it. */
export interface Actor {
  user?: string
  source: 'api' | 'endpoint' | 'bin' | 'startup' | 'queue' | 'schedule' | 'monitor' | 'realtime'
}

export function actorOf(req: PayloadRequest, source: Actor['source']): Actor {
  const user = req.user as
    { id?: unknown; email?: unknown; collection?: unknown } | null | undefined
  return {
    source,
    user: user
      ? `${String(user.collection ?? 'users')}:${String(user.id)}${user.email ? ` <${String(user.email)}>` : ''}`
      : undefined,
  }
}

export interface AuditEvent {
  action: EventAction
  collectionSlug: string
  outcome: EventOutcome
  summary: string
  ids?: string[]
  fields?: Record<string, string[]>
  details?: unknown
  actor?: Actor
}

/**
 * Writes an audit record and the matching log line. Auditing never fails the operation it records:
 * a failed write is logged instead — except in the transaction of `req`, which a failed statement
 * has aborted: its commit would roll everything back without a word, so the failure is thrown.
 */
export async function recordEvent(
  deps: { payload: Payload; logger: Logger; req?: PayloadRequest },
  event: AuditEvent,
): Promise<void> {
  const { payload, logger, req } = deps
  const actor = event.actor ?? { source: 'api' as const }
  const level =
    event.outcome === 'ok' || event.outcome === 'started' || event.outcome === 'resolved'
      ? 'info'
      : 'warn'
  logger[level](
    {
      audit: event.action,
      collection: event.collectionSlug,
      outcome: event.outcome,
      user: actor.user ?? 'system',
      source: actor.source,
      ids: event.ids?.slice(0, 50),
      fields: event.fields,
    },
    event.summary,
  )
  // Asked before the write: Payload's create kills the request's transaction when it fails (and
  // forgets its id), after which the caller's later writes would run outside it, unaware.
  const inTransaction = req?.transactionID !== undefined
  try {
    await payload.create({
      collection: eventsSlug,
      overrideAccess: true,
      depth: 0,
      data: {
        action: event.action,
        collectionSlug: event.collectionSlug,
        outcome: event.outcome,
        summary: event.summary.slice(0, 500),
        user: actor.user ?? 'system',
        source: actor.source,
        ids: event.ids ?? [],
        fields: event.fields ?? {},
        details: (event.details ?? null) as never,
      },
      ...(req ? { req } : {}),
    })
  } catch (err) {
    if (inTransaction) throw err
    logger.error({ err, audit: event.action }, 'supabase-sync: could not write the audit record')
  }
}
