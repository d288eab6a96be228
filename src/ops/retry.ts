/** `retry`: the documents whose delivery failed for good, delivered again through the one path. */
import type { Payload } from 'payload'
import { getRuntime, syncedCollection } from '../lifecycle/registry.js'
import type { OperationOptions, SyncResult } from './options.js'
import { syncDocuments } from './sync.js'

/** Retries the failed documents of a collection (or only these ids): each is read as it is now and written. */
export async function retryFailed(
  payload: Payload,
  options: OperationOptions = {},
): Promise<SyncResult & { retried: string[] }> {
  const runtime = getRuntime(payload)
  const collection = syncedCollection(runtime, options.collection)
  const failed = (await runtime.jobs.failed(100_000))
    .filter((job) => job.collection === collection.slug)
    .map((job) => job.id)
  const ids = options.ids ? options.ids.filter((id) => failed.includes(id)) : failed
  const result = await syncDocuments(payload, {
    ...options,
    collection: collection.slug,
    ids,
    action: 'retry',
  })
  return { ...result, retried: ids }
}
