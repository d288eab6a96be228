/**
 * At startup, the mappers' `select` against a real document: a mapping that reads a field only on some
 * branch (`doc.kind === 'x' ? doc.a : doc.b`) shows it with a document that takes that branch, which
 * the check at config time (over a document with nothing but an id) cannot. A select that leaves out
 * what is read is not used (every read asks for every field) and the log says which fields to add.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import { readOptions } from '../documents.js'
import type { Doc } from '../mapping/types.js'
import { readsOutside } from '../mapping/select-coverage.js'
import type { ResolvedOptions } from '../options.js'
import { nestedReads, readersOf, type SyncedCollection } from '../synced.js'

export async function checkSelects(
  payload: Payload,
  collections: Map<string, SyncedCollection>,
  options: ResolvedOptions,
  logger: Logger,
): Promise<void> {
  for (const collection of collections.values()) {
    const { selection } = collection
    if (selection.select) {
      const sample = await payload
        .find({
          collection: collection.slug,
          limit: 1,
          pagination: false,
          ...readOptions(collection),
        })
        .then((found) => found.docs[0] as Doc | undefined)
        .catch(() => undefined)
      const unselected = sample
        ? readsOutside(
            { ...selection.select, _status: true },
            readersOf(options.collections[collection.slug]),
            sample,
            nestedReads(collection.mapper),
          )
        : []
      if (unselected.length) {
        selection.select = undefined
        selection.unselected = unselected
      }
    }
    if (selection.unselected.length)
      logger.warn(
        { collection: collection.slug, unselected: selection.unselected },
        `${collection.slug}: the mapper or shouldSync reads ${selection.unselected.map((f) => `"${f}"`).join(', ')}, which the mapper's select leaves out (Payload would return them empty); reading every field instead — add them to the mapper's select`,
      )
  }
}
