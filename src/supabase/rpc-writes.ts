/**
 * Writes through the apply function (`writeMode: 'rpc'`, the default): deletes and upserts of a batch
 * in one call of `supabase_sync_apply`, which never replaces or deletes a row of a later version and
 * answers with the keys it did not write (stale, failed). A call refused as a whole is split.
 */
import { TargetError } from '../errors.js'
import { functionMissing } from './classify.js'
import type { Row } from '../mapping/types.js'
import type { ApplyBatch, ApplyOutcome, Writer } from './apply-outcome.js'
import { classifyFailure } from './classify.js'
import { deadlineCode } from './deadline.js'
import { applyFunction, failureError, forDocument } from './failures.js'
import type { TableSpec } from './spec.js'
import { splitting } from './splitting.js'
import { sqlStateStatus } from './sqlstate.js'

/** A key of an apply call: a delete (no row) or an upsert. */
interface RpcItem {
  id: string
  row?: Row
}

interface ApplyResult {
  /** The database's clock (epoch ms) when the call ended. */
  now?: number
  stale?: string[]
  failed?: Array<{ id: string; code: string | null; message: string | null }>
}

const idOf = (spec: TableSpec, row: Row): string => String(row[spec.primaryKey])

/** Deletes and upserts in one call of the apply function; a refused call is split (deletes stay first). */
export async function applyRpc(
  w: Writer,
  spec: TableSpec,
  deletes: string[],
  upserts: Row[],
  batch: ApplyBatch,
  outcome: ApplyOutcome,
): Promise<void> {
  const items: RpcItem[] = [
    ...deletes.map((id) => ({ id })),
    ...upserts.map((row) => ({ id: idOf(spec, row), row })),
  ]
  await applyItems(w, spec, items, batch, outcome)
}

async function applyItems(
  w: Writer,
  spec: TableSpec,
  items: RpcItem[],
  batch: ApplyBatch,
  outcome: ApplyOutcome,
): Promise<void> {
  await splitting(
    items,
    (part) => applyRpcOnce(w, spec, part, batch, outcome),
    (part, error) => failAll(spec, part, error, outcome),
  )
}

function failAll(spec: TableSpec, items: RpcItem[], error: unknown, outcome: ApplyOutcome): void {
  for (const item of items)
    outcome.failed.set(item.id, forDocument(spec, item.id, item.row ? 'upsert' : 'delete', error))
}

/** Failures of calls that carried a deadline and got no answer before it (our timeout fired). */
const unanswered = new WeakSet<object>()

async function applyRpcOnce(
  w: Writer,
  spec: TableSpec,
  items: RpcItem[],
  batch: ApplyBatch,
  outcome: ApplyOutcome,
): Promise<void> {
  const deletes = items.filter((item) => !item.row).map((item) => item.id)
  const upserts = items.flatMap((item) => (item.row ? [item.row] : []))
  const args = {
    target_table: spec.table,
    upserts,
    deletes,
    key_column: spec.primaryKey,
    version_column: batch.force || spec.versionColumn === false ? null : spec.versionColumn,
    delete_version: batch.version,
  }
  let timedOut = false
  let result: ApplyResult
  try {
    result = await w.attempt(`apply ${spec.table}`, async (signal) => {
      timedOut = false
      const sentAt = Date.now()
      const notAfter = w.deadlines.notAfter(sentAt)
      const call = (withDeadline: boolean) =>
        w.client
          .rpc(
            applyFunction,
            withDeadline && notAfter !== null
              ? { ...args, not_after: new Date(notAfter).toISOString() }
              : args,
          )
          .abortSignal(signal)
      let { data, error, status } = await call(true)
      let deadlineSent = notAfter !== null
      if (error && notAfter !== null && functionMissing(status, error.code)) {
        // An apply function older than the plugin's takes no deadline; if it answers without one, it
        // is there: calls go without (and the plugin says so once).
        const again = await call(false)
        if (!again.error) w.deadlines.unsupported()
        ;({ data, error, status } = again)
        deadlineSent = false
      }
      const receivedAt = Date.now()
      timedOut = Boolean(error) && status === 0 && signal.aborted && deadlineSent
      if (error?.code === deadlineCode) w.deadlines.refused(error.message, sentAt, receivedAt)
      if (error)
        throw failureError(
          spec,
          upserts.length ? 'upsert' : 'delete',
          error,
          status,
          items.length,
          items.length === 1 ? items[0].id : undefined,
        )
      const answer = (data ?? {}) as ApplyResult
      w.deadlines.observe(answer.now, sentAt, receivedAt)
      return answer
    })
  } catch (error) {
    if (!timedOut || typeof error !== 'object' || error === null) throw error
    unanswered.add(error)
    if (items.length <= 1) throw error
    await peel(w, spec, items, batch, outcome, error)
    return
  }
  const stale = new Set((result.stale ?? []).map(String))
  for (const line of result.failed ?? []) {
    const code = line.code ?? undefined
    const status = code ? sqlStateStatus(code) : 400
    const operation = deletes.includes(line.id) ? 'delete' : 'upsert'
    outcome.failed.set(
      line.id,
      new TargetError(
        `${spec.collection} ${line.id}: ${operation} failed (${status}${code ? ` ${code}` : ''}): ${line.message}`,
        {
          collection: spec.collection,
          id: line.id,
          operation,
          status,
          code,
          kind: classifyFailure({ status, code, perRow: true }),
        },
      ),
    )
  }
  // Every key sent ends in exactly one list: the function answers with what it did not write.
  for (const id of deletes) {
    if (outcome.failed.has(id)) continue
    if (stale.has(id)) outcome.stale.push(id)
    else outcome.deleted.push(id)
  }
  for (const { id, row } of items) {
    if (!row || outcome.failed.has(id)) continue
    if (stale.has(id)) outcome.stale.push(id)
    else outcome.written.push(id)
  }
}

/**
 * A call of several rows that got no answer before its deadline on its every try: the batch's size
 * (slow triggers, the row-by-row fallback) or Supabase itself (an outage, a pool queue). Its first
 * row alone tells which. Answered, the size is the cause: the rest goes in halves — tried whole, its
 * deadline would roll it back for ever. Unanswered too, the whole part waits, as in an outage (a lock
 * the call waits for is answered: the apply function's lock_timeout).
 */
async function peel(
  w: Writer,
  spec: TableSpec,
  items: RpcItem[],
  batch: ApplyBatch,
  outcome: ApplyOutcome,
  error: unknown,
): Promise<void> {
  const [first, ...rest] = items
  try {
    await applyRpcOnce(w, spec, [first], batch, outcome)
  } catch (alone) {
    if (typeof alone === 'object' && alone !== null && unanswered.has(alone)) throw error
    failAll(spec, [first], alone, outcome)
  }
  const mid = Math.ceil(rest.length / 2)
  for (const part of [rest.slice(0, mid), rest.slice(mid)])
    if (part.length) await applyItems(w, spec, part, batch, outcome)
}
