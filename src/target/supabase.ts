/**
 * The only place that talks to Supabase: upsert rows, delete ids, page through a table, through
 * supabase-js with the service-role key. Transient failures are retried here with p-retry (short,
 * in-process: for blips); longer outages are the job queue's business.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import pRetry from 'p-retry'
import type { Logger } from 'pino'
import { TargetError } from '../errors.js'
import type { Row } from '../mapping/types.js'
import type { RetryOptions } from '../options.js'
import { isTransient, parseRetryAfter } from './classify.js'
import { sqlStateStatus } from './sqlstate.js'

export const upsertFunction = 'supabase_sync_upsert'
/** Upsert requests in flight at once for one call. */
const upsertConcurrency = 4

/** What happened to each row of an upsert. */
export interface UpsertOutcome {
  written: string[]
  /** Supabase already held a newer version (stale-write guard). */
  stale: string[]
  failed: Map<string, TargetError>
  requests: number
}

export interface TableSpec {
  collection: string
  table: string
  primaryKey: string
  versionColumn: string | false
}

export interface TargetOptions {
  retry: RetryOptions
  writeMode: 'rpc' | 'upsert'
  /** Per-request timeout. */
  timeoutMs: number
  logger: Logger
}

interface PostgrestFailure {
  message: string
  code?: string | null
  details?: string | null
  hint?: string | null
}

/** Retry-After seen by the current attempt; set by our fetch wrapper, read by the retry loop. */
const attemptContext = new AsyncLocalStorage<{ retryAfterMs?: number }>()

/** The Node 20 WebSocket transport supabase-js needs for realtime (unused here, but createClient checks). */
async function realtimeTransport(): Promise<{ transport?: unknown }> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return {}
  const { default: ws } = await import('ws')
  return { transport: ws }
}

/** A service-role client for the plugin; records Retry-After for the retry loop. */
export async function createServiceClient(url: string, serviceRoleKey: string): Promise<SupabaseClient> {
  const fetchWithRetryAfter: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const ctx = attemptContext.getStore()
    if (ctx && (response.status === 429 || response.status === 503)) {
      ctx.retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    }
    return response
  }
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: fetchWithRetryAfter, headers: { 'x-client-info': 'payload-plugin-supabase-sync' } },
    realtime: (await realtimeTransport()) as never,
  })
}

function targetError(
  spec: TableSpec,
  operation: 'upsert' | 'delete' | 'read',
  failure: PostgrestFailure,
  status: number,
  id?: string,
): TargetError {
  const code = failure.code ?? undefined
  const effectiveStatus = status || (code && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('PGRST') ? sqlStateStatus(code) : 0)
  const detail = [failure.message, failure.details, failure.hint].filter(Boolean).join(' — ')
  const where = id ? `${spec.collection} ${id}` : `${spec.collection} (table ${spec.table})`
  return new TargetError(`${where}: ${operation} failed${status === 0 && !code ? '' : ` (${effectiveStatus}${code ? ` ${code}` : ''})`}: ${detail}`, {
    collection: spec.collection,
    id,
    operation,
    status: effectiveStatus,
    code,
    transient: isTransient({ status: effectiveStatus, code }),
    cause: failure,
  })
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export class SupabaseTarget {
  requests = 0
  constructor(
    readonly client: SupabaseClient,
    private readonly options: TargetOptions,
  ) {}

  /**
   * Runs one request with p-retry: transient failures (network, 5xx, 429) are tried again after a
   * backoff that honours Retry-After; permanent ones are thrown at once.
   */
  private async attempt<T>(label: string, run: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; attempts: number }> {
    const { retries, minTimeout, maxTimeout, factor, maxRetryAfter } = this.options.retry
    let attempts = 0
    const value = await pRetry(
      () =>
        attemptContext.run({}, async () => {
          attempts++
          this.requests++
          try {
            return await run(AbortSignal.timeout(this.options.timeoutMs))
          } catch (error) {
            const ctx = attemptContext.getStore()
            if (error instanceof TargetError && ctx?.retryAfterMs !== undefined) {
              ;(error as TargetError & { retryAfterMs?: number }).retryAfterMs = ctx.retryAfterMs
            }
            throw error
          }
        }),
      {
        retries,
        minTimeout,
        maxTimeout,
        factor,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof TargetError && error.transient,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
          const transient = error instanceof TargetError && error.transient
          this.options.logger.debug({ op: label, attempt: attemptNumber, retriesLeft, transient, err: error }, 'supabase request failed')
          // p-retry's own backoff follows; wait out the rest of what the server asked for.
          if (transient && retriesLeft > 0 && retryAfterMs !== undefined) {
            await sleep(Math.min(retryAfterMs, maxRetryAfter))
          }
        },
      },
    )
    return { value, attempts }
  }

  /**
   * Writes rows, never letting one bad row fail the others: with the `rpc` write mode the function
   * isolates them server-side in one request; with plain `upsert` a failing batch is split in halves
   * until the bad rows stand alone.
   */
  async upsert(spec: TableSpec, rows: Row[], batchSize: number): Promise<UpsertOutcome> {
    const outcome: UpsertOutcome = { written: [], stale: [], failed: new Map(), requests: 0 }
    const before = this.requests
    const batches = chunk(rows, batchSize)
    // A few batches in flight: at 20-80 ms from Supabase, sequential batches spend most of their time
    // waiting. The rows of different batches are different documents, so their order does not matter.
    const worker = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        if (this.options.writeMode === 'rpc') await this.upsertRpc(spec, batch, outcome)
        else await this.upsertPlain(spec, batch, outcome)
      }
    }
    await Promise.all(Array.from({ length: Math.min(upsertConcurrency, batches.length) }, worker))
    outcome.requests = this.requests - before
    return outcome
  }

  private idOf(spec: TableSpec, row: Row): string {
    return String(row[spec.primaryKey])
  }

  private failAll(spec: TableSpec, rows: Row[], error: unknown, outcome: UpsertOutcome): void {
    for (const row of rows) {
      const id = this.idOf(spec, row)
      const err =
        error instanceof TargetError
          ? new TargetError(`${spec.collection} ${id}: ${error.message.replace(/^[^:]*: /, '')}`, {
              collection: spec.collection,
              id,
              operation: 'upsert',
              status: error.status,
              code: error.code,
              transient: error.transient,
              cause: error.cause,
            })
          : new TargetError(`${spec.collection} ${id}: upsert failed: ${String(error)}`, {
              collection: spec.collection,
              id,
              operation: 'upsert',
              status: 0,
              transient: true,
              cause: error,
            })
      outcome.failed.set(id, err)
    }
  }

  private async upsertRpc(spec: TableSpec, batch: Row[], outcome: UpsertOutcome): Promise<void> {
    type Line = { id: string; outcome: 'written' | 'error'; code: string | null; message: string | null }
    let lines: Line[]
    try {
      ;({ value: lines } = await this.attempt(`upsert ${spec.table}`, async (signal) => {
        const { data, error, status } = await this.client
          .rpc(upsertFunction, {
            target_table: spec.table,
            rows: batch,
            conflict_column: spec.primaryKey,
            version_column: spec.versionColumn === false ? null : spec.versionColumn,
          })
          .abortSignal(signal)
        if (error) {
          const err = targetError(spec, 'upsert', error, status)
          if (status === 404 && (error.code === 'PGRST202' || error.code === '42883')) {
            throw new TargetError(
              `${spec.collection}: the function public.${upsertFunction} is missing in Supabase; apply sql/002_sync_upsert.sql ` +
                `(or set writeMode: 'upsert' to write without the stale-write guard)`,
              { collection: spec.collection, operation: 'upsert', status, code: error.code, transient: false, cause: error },
            )
          }
          throw err
        }
        return (data ?? []) as Line[]
      }))
    } catch (error) {
      this.failAll(spec, batch, error, outcome)
      return
    }
    const seen = new Set<string>()
    for (const line of lines) {
      seen.add(line.id)
      if (line.outcome === 'written') outcome.written.push(line.id)
      else {
        const code = line.code ?? undefined
        const status = code ? sqlStateStatus(code) : 400
        outcome.failed.set(
          line.id,
          new TargetError(`${spec.collection} ${line.id}: upsert failed (${status}${code ? ` ${code}` : ''}): ${line.message}`, {
            collection: spec.collection,
            id: line.id,
            operation: 'upsert',
            status,
            code,
            transient: isTransient({ status, code }),
          }),
        )
      }
    }
    for (const row of batch) {
      const id = this.idOf(spec, row)
      if (!seen.has(id)) outcome.stale.push(id)
    }
  }

  private async upsertPlain(spec: TableSpec, batch: Row[], outcome: UpsertOutcome): Promise<void> {
    try {
      await this.attempt(`upsert ${spec.table}`, async (signal) => {
        const { error, status } = await this.client
          .from(spec.table)
          .upsert(batch, { onConflict: spec.primaryKey })
          .abortSignal(signal)
        if (error) throw targetError(spec, 'upsert', error, status, batch.length === 1 ? this.idOf(spec, batch[0]) : undefined)
      })
      for (const row of batch) outcome.written.push(this.idOf(spec, row))
    } catch (error) {
      // A transient failure would fail every half too; a permanent one is split until it is isolated.
      if (batch.length > 1 && error instanceof TargetError && !error.transient) {
        const mid = Math.ceil(batch.length / 2)
        await this.upsertPlain(spec, batch.slice(0, mid), outcome)
        await this.upsertPlain(spec, batch.slice(mid), outcome)
        return
      }
      this.failAll(spec, batch, error, outcome)
    }
  }

  /** Deletes rows by id, in batches (`id=in.(…)`). Throws a TargetError naming the first id of the batch. */
  async delete(spec: TableSpec, ids: string[], batchSize: number): Promise<{ requests: number }> {
    const before = this.requests
    // Long `in.(…)` lists make long URLs: keep them well under common 8 KB limits.
    for (const batch of chunk(ids, Math.min(batchSize, 150))) {
      await this.attempt(`delete ${spec.table}`, async (signal) => {
        const { error, status } = await this.client.from(spec.table).delete().in(spec.primaryKey, batch).abortSignal(signal)
        if (error) throw targetError(spec, 'delete', error, status, batch.length === 1 ? batch[0] : undefined)
      })
    }
    return { requests: this.requests - before }
  }

  /** Every row of the table (or of the given ids), ordered by primary key, a page at a time. */
  async *pages(spec: TableSpec, pageSize: number, ids?: string[]): AsyncGenerator<Row[]> {
    if (ids) {
      for (const batch of chunk(ids, Math.min(pageSize, 150))) {
        const { value } = await this.attempt(`read ${spec.table}`, async (signal) => {
          const { data, error, status } = await this.client
            .from(spec.table)
            .select('*')
            .in(spec.primaryKey, batch)
            .abortSignal(signal)
            .retry(false)
          if (error) throw targetError(spec, 'read', error, status)
          return (data ?? []) as Row[]
        })
        yield value
      }
      return
    }
    // Keyset pagination: stable while rows are written during the scan, unlike offsets.
    let after: string | undefined
    for (;;) {
      const { value } = await this.attempt(`read ${spec.table}`, async (signal) => {
        let query = this.client.from(spec.table).select('*').order(spec.primaryKey, { ascending: true }).limit(pageSize)
        if (after !== undefined) query = query.gt(spec.primaryKey, after)
        const { data, error, status } = await query.abortSignal(signal).retry(false)
        if (error) throw targetError(spec, 'read', error, status)
        return (data ?? []) as Row[]
      })
      if (value.length) yield value
      if (value.length < pageSize) return
      after = String(value[value.length - 1][spec.primaryKey])
    }
  }

  /** Row count of a table (HEAD with count=exact). */
  async count(spec: TableSpec): Promise<number> {
    const { value } = await this.attempt(`count ${spec.table}`, async (signal) => {
      const { count, error, status } = await this.client
        .from(spec.table)
        .select(spec.primaryKey, { count: 'exact', head: true })
        .abortSignal(signal)
        .retry(false)
      if (error) throw targetError(spec, 'read', error, status)
      return count ?? 0
    })
    return value
  }
}
