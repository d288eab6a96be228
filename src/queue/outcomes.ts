/**
 * What a delivery reports per document — written, deleted, unchanged, failed (with the typed error,
 * named after the document), busy — and the one log line per document and operation.
 */
import { SyncError, TargetError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { SyncedCollection } from '../synced.js'
import type { Logger } from 'pino'
import type { Failure, JobRow } from './jobs.js'
import { documentKey } from './keys.js'

/**
 * Told of a delivery's outcomes (metrics), once per delivery: a reconcile page has a thousand, and
 * counting them one call at a time cost more than the counting.
 */
export type OutcomeObserver = (collection: SyncedCollection, tally: OutcomeTally) => void

/** A delivery's outcomes counted: how many of each, and the lag of each document delivered from a job. */
export interface OutcomeTally {
  counts: Partial<Record<Outcome, number>>
  /** How long the documents that had jobs waited (ms) until their change reached Supabase: written or deleted. */
  lags: Array<{ outcome: Outcome; ms: number }>
}

/**
 * The lag measures a change's way to its row in Supabase: a row found unchanged (the change was
 * there already, or none reached the row) or left for the watch (nothing written) took none.
 */
const reachedSupabase: ReadonlySet<Outcome> = new Set(['written', 'deleted'])

/** Counts outcomes for an OutcomeObserver. Pure. */
export function tallyOutcomes(outcomes: Iterable<DocumentOutcome>): OutcomeTally {
  const tally: OutcomeTally = { counts: {}, lags: [] }
  for (const o of outcomes) {
    tally.counts[o.outcome] = (tally.counts[o.outcome] ?? 0) + 1
    if (o.lagMs !== undefined && reachedSupabase.has(o.outcome))
      tally.lags.push({ outcome: o.outcome, ms: o.lagMs })
  }
  return tally
}

/** `left`: a pull's save not written over a later edit in Supabase, which the watch pulls (left-for-pull.ts). */
export type Outcome = 'written' | 'deleted' | 'unchanged' | 'failed' | 'busy' | 'left'

export interface DocumentOutcome {
  id: string
  op: 'upsert' | 'delete' | 'none'
  outcome: Outcome
  error?: SyncError
  /** Columns that differed (compare mode). */
  fields?: readonly string[]
  /** Compare mode: the row the document maps to (null: none), and the one Supabase held. */
  rows?: { payload: Row | null; supabase: Row | null }
  /** This delivery's attempt for the document: its jobs' tries so far, plus one. */
  attempts?: number
  /** From the oldest change it delivered being queued (about when its save committed) to now. */
  lagMs?: number
}

export interface DeliveryReport {
  outcomes: Map<string, DocumentOutcome>
  requests: number
  /** The endpoint refuses every request (key, table, function): delivery should pause. */
  endpointError?: SyncError
  /** Documents whose delivery failed for good in this run (booked, committed): the cause each. */
  givenUp?: Failure[]
  /** Rows left for the realtime watch to pull (left-for-pull.ts). */
  left?: string[]
}

export function deliveryFailure(
  collection: SyncedCollection,
  id: string,
  cause: SyncError,
  jobs: JobRow[],
  report: DeliveryReport,
): Failure {
  const error =
    cause.id === id
      ? cause
      : new (cause instanceof TargetError ? TargetError : SyncError)(
          `${collection.slug} ${id}: ${cause.message.replace(/^[^:]*: /, '')}`,
          {
            collection: collection.slug,
            id,
            operation: cause.operation,
            status: cause.status,
            code: cause.code,
            field: cause.field,
            kind: cause.kind,
            cause,
          },
        )
  const previous = report.outcomes.get(id)
  report.outcomes.set(id, {
    id,
    op: previous?.op ?? (cause.operation === 'delete' ? 'delete' : 'upsert'),
    outcome: 'failed',
    error,
    fields: previous?.fields,
  })
  return { key: documentKey(collection.slug, id), collection: collection.slug, id, error, jobs }
}

/** One line per document: `{ collection, id, op, outcome, ms }`; failures at warn with their cause. */
export function logOutcomes(
  deps: { logger: Logger; observe?: OutcomeObserver },
  collection: SyncedCollection,
  outcomes: Iterable<DocumentOutcome>,
  ms: number,
  level: 'info' | 'debug',
): void {
  const { logger, observe } = deps
  // Asked once: a reconcile reports thousands of outcomes, and a line's object and message would be
  // built for each even when its level is off.
  const levelOn = logger.isLevelEnabled(level)
  const debugOn = logger.isLevelEnabled('debug')
  const all = [...outcomes]
  if (observe && all.length) observe(collection, tallyOutcomes(all))
  for (const o of all) {
    if (o.outcome === 'busy') continue
    if (o.outcome === 'failed' && o.error) {
      const e = o.error
      logger.warn(
        {
          collection: collection.slug,
          id: o.id,
          op: o.op,
          outcome: e.kind === 'row' ? 'failed' : 'retry',
          attempts: o.attempts,
          kind: e.kind,
          status: e.status,
          code: e.code,
          field: e.field,
        },
        e.message,
      )
    } else if (o.outcome === 'unchanged' ? level === 'info' && debugOn : levelOn) {
      logger[o.outcome === 'unchanged' ? 'debug' : level](
        {
          collection: collection.slug,
          id: o.id,
          op: o.op,
          outcome: o.outcome,
          attempts: o.attempts,
          ms: Math.round(ms),
        },
        `${collection.slug} ${o.id}: ${o.op} ${o.outcome}`,
      )
    }
  }
}
