/**
 * An operation's answer as a given user may see it. Counts, id lists and the names of differing fields
 * are the operator's view of the table and stay; a failure's cause is text that can quote a document's
 * values (PostgreSQL's "Key (slug)=(acme-motors) already exists", a mapper's message naming the value
 * it refused), so for a document the user may not read, or may read but not every field the mapper
 * reads (`hiddenCauses`), only the cause's text is replaced — its id, field, code and status stay, as
 * the id lists do.
 */
import type { Payload, PayloadRequest } from 'payload'
import type { FailedDocument } from '../reconcile/types.js'
import type { FailedJob } from '../queue/job-types.js'
import { hiddenCauses, type HiddenCauses } from './readable.js'
import type { RunState } from './runs.js'
import type { StatusResult } from './status.js'

/** A validate's, sync's, reset's or retry's result: its collection and its failed documents. */
interface WithFailed {
  collection: string
  failed: FailedDocument[]
}

function hasFailed(value: unknown): value is WithFailed {
  const v = value as Partial<WithFailed> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.collection === 'string' &&
    Array.isArray(v.failed)
  )
}

/** The result with the causes of documents the request's user may not read replaced. */
async function failedForReader<T extends WithFailed>(
  payload: Payload,
  req: PayloadRequest | undefined,
  result: T,
): Promise<T> {
  if (!result.failed.length) return result
  const ids = result.failed.map((f) => f.id)
  const hidden = await hiddenCauses(payload, result.collection, ids, req)
  if (!hidden.size) return result
  return {
    ...result,
    failed: result.failed.map((f) => {
      const text = hidden.get(f.id)
      return text ? { ...f, message: text } : f
    }),
  }
}

/** A validate's, sync's or retry's result, or a reset's (its sync's), as the user may see it. */
export async function resultForReader<T>(
  payload: Payload,
  req: PayloadRequest | undefined,
  result: T,
): Promise<T> {
  if (hasFailed(result)) return failedForReader(payload, req, result)
  const reset = result as { collection?: unknown; sync?: unknown } | null
  if (typeof reset === 'object' && reset !== null && hasFailed(reset.sync))
    return { ...result, sync: await failedForReader(payload, req, reset.sync) }
  return result
}

/** A background run's state, its result (a validate's, sync's or reset's) as the user may see it. */
export async function runForReader(
  payload: Payload,
  req: PayloadRequest | undefined,
  run: RunState,
): Promise<RunState> {
  if (run.result === undefined) return run
  return { ...run, result: await resultForReader(payload, req, run.result) }
}

/** The sync status: the last reconciles' failures and the failed deliveries, as the user may see them. */
export async function statusForReader(
  payload: Payload,
  req: PayloadRequest | undefined,
  status: StatusResult,
): Promise<StatusResult> {
  if (!req?.user) return status
  const collections = await Promise.all(
    status.collections.map(async (c) =>
      c.lastReconcile
        ? {
            ...c,
            lastReconcile: await resultForReader(payload, req, c.lastReconcile),
          }
        : c,
    ),
  )
  const hidden = new Map<string, HiddenCauses>()
  for (const slug of new Set(status.failures.map((f) => f.collection))) {
    const ids = status.failures.filter((f) => f.collection === slug).map((f) => f.id)
    hidden.set(slug, await hiddenCauses(payload, slug, ids, req))
  }
  const failures = status.failures.map((f): FailedJob => {
    const text = hidden.get(f.collection)?.get(f.id)
    return text && f.error ? { ...f, error: { ...f.error, message: text } } : f
  })
  return { ...status, collections, failures }
}
