/** What a write to a synced table is asked to do, what became of each key, and what a write needs. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { TargetError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { Deadlines } from './deadline.js'

export interface ApplyBatch {
  /**
   * The rows to write. The write stamps each with `version` in place (they are the caller's own,
   * made for this write): a copy of every row with one more key is four times the row's own size,
   * and a reconcile writes a hundred thousand of them.
   */
  upserts: Row[]
  deletes: string[]
  /** The version of this delivery (its claim): written into the rows, checked by the guard. */
  version: number | null
  /** Write without the guard (Payload wins over an out-of-band version). */
  force?: boolean
}

/** What happened to each key of an apply. Every key sent is in exactly one list. */
export interface ApplyOutcome {
  written: string[]
  deleted: string[]
  /** Supabase held a newer version (the guard kept it). */
  stale: string[]
  failed: Map<string, TargetError>
  requests: number
}

/** What the write paths need of the target: its client, its retried, timed attempt, the deadlines. */
export interface Writer {
  client: SupabaseClient
  attempt<T>(label: string, run: (signal: AbortSignal) => Promise<T>): Promise<T>
  deadlines: Deadlines
  /** A write of these keys got no answer: it may still commit, later than what is written after it. */
  unanswered(spec: { collection: string }, ids: string[]): void
}
