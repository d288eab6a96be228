/**
 * The only module that talks to Supabase's data API: apply deletes and upserts, read rows by key range
 * or by id, count, probe. Transient failures are retried here with p-retry (short, in-process: for
 * blips); longer outages are the queue's business. Every request stays within Supabase's `max-rows`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { SupabaseClient } from '@supabase/supabase-js'
import pRetry from 'p-retry'
import type { Logger } from 'pino'
import { TargetError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { RetryOptions } from '../options.js'
import { attemptSignal } from './client.js'
import { applyFunction, failureError, forDocument } from './failures.js'
import type { ApplyBatch, ApplyOutcome, Writer } from './apply-outcome.js'
import { deletePlain, upsertPlain } from './plain-writes.js'
import { idChunks, inList } from './id-lists.js'
import { chunk, pool } from './pool.js'
import { Deadlines } from './deadline.js'
import { ReadLimit } from './read-limit.js'
import { applyRpc } from './rpc-writes.js'
import { foreignVersion, type TableSpec } from './spec.js'

export { applyFunction }
export type { ApplyBatch, ApplyOutcome } from './apply-outcome.js'
export type { TableSpec }
/** Requests in flight at once for one apply: at 20-80 ms from Supabase, one at a time mostly waits. */
const concurrency = 4
/** Ids per `in.(…)` filter at most (id-lists.ts bounds them by length too). */
const idsPerUrl = 150

/** A read of a table, before its filters. */
type Read = ReturnType<ReturnType<SupabaseClient['from']>['select']>

export interface TargetOptions {
  retry: RetryOptions
  writeMode: 'rpc' | 'upsert'
  timeoutMs: number
  /**
   * The project's max-rows as configured: no read asks for more rows, no write sends more. Lowered
   * to the project's own when a read comes back cut (read-limit.ts).
   */
  maxRows: number
  logger: Logger
  /** A plain write (writeMode 'upsert') got no answer: told of its keys (late-writes.ts). */
  onUnanswered?: (collection: string, ids: string[]) => void
}

export class SupabaseTarget {
  requests = 0
  private readonly limit: ReadLimit
  readonly deadlines: Deadlines
  constructor(
    readonly client: SupabaseClient,
    private readonly options: TargetOptions,
  ) {
    this.deadlines = new Deadlines(options.timeoutMs, () =>
      options.logger.warn(
        { op: 'apply' },
        'supabase-sync: supabase_sync_apply takes no deadline (sql/002 is older than the plugin): a write that outlives its request is not refused; run sql/002_sync_apply.sql again',
      ),
    )
    this.limit = new ReadLimit(options.maxRows, (maxRows, configured) =>
      options.logger.warn(
        { maxRows, configured },
        `supabase-sync: Supabase cut a read to ${maxRows} rows (the project's max-rows), the plugin asks for up to ${configured} (maxRows): reads now ask for ${maxRows}; set maxRows: ${maxRows} to skip the counts that found it`,
      ),
    )
  }

  /** Rows per read: `maxRows`, or the project's max-rows once a read came back cut. */
  get maxRows(): number {
    return this.limit.rows
  }

  /** Whether a write of this version meets the version guard (a row marked foreign keeps it out). */
  guards(spec: TableSpec, version: number | null): boolean {
    return this.options.writeMode === 'rpc' && spec.versionColumn !== false && version !== null
  }

  /** One request with p-retry: transient failures are tried again (honouring Retry-After), others thrown at once. */
  private async attempt<T>(label: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { retries, minTimeout, maxTimeout, factor, maxRetryAfter } = this.options.retry
    return pRetry(
      async () => {
        this.requests++
        const attempt = attemptSignal(this.options.timeoutMs)
        try {
          return await run(attempt.signal)
        } catch (error) {
          const retryAfterMs = attempt.retryAfterMs()
          if (error instanceof TargetError && retryAfterMs !== undefined)
            (error as TargetError & { retryAfterMs?: number }).retryAfterMs = retryAfterMs
          throw error
        }
      },
      {
        retries,
        minTimeout,
        maxTimeout,
        factor,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof TargetError && error.kind === 'transient',
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
          const transient = error instanceof TargetError && error.kind === 'transient'
          this.options.logger.debug(
            { op: label, attempt: attemptNumber, retriesLeft, transient, err: error },
            'supabase request failed',
          )
          if (transient && retriesLeft > 0 && retryAfterMs !== undefined)
            await sleep(Math.min(retryAfterMs, maxRetryAfter))
        },
      },
    )
  }

  /**
   * Deletes, then upserts, never letting one bad row fail the others. Deletes go first: a unique value
   * freed by a deleted row must be free before another row takes it.
   */
  async apply(spec: TableSpec, batch: ApplyBatch, batchSize: number): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = {
      written: [],
      deleted: [],
      stale: [],
      failed: new Map(),
      requests: 0,
    }
    const before = this.requests
    const size = Math.max(1, Math.min(batchSize, this.options.maxRows))
    const rpc = this.options.writeMode === 'rpc'
    const version = spec.versionColumn
    const upserts = batch.upserts
    if (rpc && version && batch.version !== null)
      for (const row of upserts) row[version] = batch.version
    if (rpc && batch.deletes.length + upserts.length <= size) {
      await applyRpc(this.writer(), spec, batch.deletes, upserts, batch, outcome)
    } else {
      // Plain deletes name their ids in the URL; the apply function takes them in its body.
      const deletes = rpc
        ? chunk(batch.deletes, size)
        : idChunks(batch.deletes, Math.min(size, idsPerUrl))
      await pool(
        deletes.map(
          (ids) => () =>
            rpc
              ? applyRpc(this.writer(), spec, ids, [], batch, outcome)
              : deletePlain(this.writer(), spec, ids, outcome),
        ),
        concurrency,
      )
      const rows = chunk(upserts, size)
      await pool(
        rows.map(
          (part) => () =>
            rpc
              ? applyRpc(this.writer(), spec, [], part, batch, outcome)
              : upsertPlain(this.writer(), spec, part, outcome),
        ),
        concurrency,
      )
    }
    outcome.requests = this.requests - before
    return outcome
  }

  /** What the write paths need of this target. */
  private writer(): Writer {
    return {
      client: this.client,
      attempt: (label, run) => this.attempt(label, run),
      deadlines: this.deadlines,
      unanswered: (spec, ids) => this.options.onUnanswered?.(spec.collection, ids),
    }
  }

  private idOf(spec: TableSpec, row: Row): string {
    return String(row[spec.primaryKey])
  }

  /**
   * The rows with keys in (after, upTo], in key order, a page at a time (keyset paging: stable while
   * rows are written during the scan). A page is never larger than max-rows, so a full page means
   * there may be more.
   */
  async *rows(
    spec: TableSpec,
    /** `marked`: only rows written around the plugin (spec.ts's `foreignVersion`). */
    range: { after?: string; upTo?: string; marked?: boolean } = {},
  ): AsyncGenerator<Row[]> {
    if (range.marked && !spec.versionColumn) return
    let after = range.after
    for (;;) {
      const asked = this.limit.rows
      const { rows, cut } = await this.countedRead(spec, asked, (read) => {
        let query = read.order(spec.primaryKey, { ascending: true }).limit(asked)
        if (after !== undefined) query = query.gt(spec.primaryKey, after)
        if (range.upTo !== undefined) query = query.lte(spec.primaryKey, range.upTo)
        if (range.marked && spec.versionColumn) query = query.eq(spec.versionColumn, foreignVersion)
        return query
      })
      if (rows.length) yield rows
      // A cut page ends where max-rows did, not where the range does.
      if (rows.length < asked && !cut) return
      after = this.idOf(spec, rows[rows.length - 1])
    }
  }

  /**
   * One read of at most `asked` rows, retried. Until the project's max-rows is known to be no lower,
   * it asks for an exact count too, so that a cut answer is told from a short one (read-limit.ts).
   */
  private async countedRead(
    spec: TableSpec,
    asked: number,
    narrow: (read: Read) => Read,
  ): Promise<{ rows: Row[]; cut: boolean }> {
    return this.attempt(`read ${spec.table}`, async (signal) => {
      const counted = this.limit.needsCount(asked)
      const read = this.client.from(spec.table).select('*', counted ? { count: 'exact' } : {})
      const { data, error, status, count } = await narrow(read).abortSignal(signal).retry(false)
      if (error) throw failureError(spec, 'read', error, status, 0)
      const rows = (data ?? []) as Row[]
      return { rows, cut: this.limit.observe(spec, asked, rows.length, counted ? count : null) }
    })
  }

  /** The rows of these ids, by id. */
  async rowsByIds(spec: TableSpec, ids: readonly string[]): Promise<Map<string, Row>> {
    const found = new Map<string, Row>()
    await this.readIds(spec, ids, found)
    return found
  }

  private async readIds(spec: TableSpec, ids: readonly string[], found: Map<string, Row>) {
    await pool(
      // No more ids per read than max-rows: PostgREST would cut the answer without an error, and
      // the rows it left out would look missing.
      idChunks(ids, Math.min(idsPerUrl, this.limit.rows)).map((part) => async () => {
        const { rows, cut } = await this.countedRead(spec, part.length, (read) =>
          read.filter(spec.primaryKey, 'in', inList(part)),
        )
        for (const row of rows) found.set(this.idOf(spec, row), row)
        // The max-rows just learnt is below this part's size: the rest of it again, in smaller reads.
        if (cut)
          await this.readIds(
            spec,
            part.filter((id) => !found.has(id)),
            found,
          )
      }),
      concurrency,
    )
  }

  /**
   * Row count of a table (count=exact). A GET of no rows, not a HEAD: PostgREST's error for a HEAD has
   * no body, and postgrest-js turns a 404 without a body into "204, no error" — a missing table would
   * count 0 rows.
   */
  async count(spec: TableSpec): Promise<number> {
    return this.attempt(`count ${spec.table}`, async (signal) => {
      const { count, error, status } = await this.client
        .from(spec.table)
        .select(spec.primaryKey, { count: 'exact' })
        .limit(0)
        .abortSignal(signal)
        .retry(false)
      if (error) throw failureError(spec, 'read', error, status, 0)
      return count ?? 0
    })
  }

  /**
   * One read of one key, not retried: null when Supabase answers for this table, else why not. A GET:
   * a HEAD's error has no body, and postgrest-js takes a 404 without one for success (see count).
   */
  async probe(spec: TableSpec): Promise<TargetError | null> {
    this.requests++
    try {
      const { error, status } = await this.client
        .from(spec.table)
        .select(spec.primaryKey)
        .limit(1)
        .abortSignal(AbortSignal.timeout(this.options.timeoutMs))
        .retry(false)
      return error ? failureError(spec, 'read', error, status, 0) : null
    } catch (error) {
      return forDocument(spec, '(probe)', 'upsert', error)
    }
  }
}
