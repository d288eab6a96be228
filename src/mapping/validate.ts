import type { z } from 'zod'
import { MappingError } from '../errors.js'
import type { Doc, Row, SyncMapper } from './types.js'

/** Dotted path of a zod issue: `api_config.platforms.0`. */
export function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.map(String).join('.')
}

/**
 * The checked row of a document, null when it must not be in Supabase, or a MappingError naming the
 * collection, the document and the field. Never throws.
 */
export function mapDocument(collection: string, mapper: SyncMapper, doc: Doc): Row | null | MappingError {
  const id = String(doc.id)
  let row: Row | null
  try {
    row = mapper.toRow(doc)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    return new MappingError(`${collection} ${id}: the mapper failed: ${reason}`, { collection, id, cause })
  }
  if (row === null) return null
  const parsed = mapper.rowSchema.safeParse(row)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issuePath(issue) || '(row)'
    return new MappingError(`${collection} ${id}: field "${field}" is invalid: ${issue.message}`, {
      collection,
      id,
      field,
      cause: parsed.error,
    })
  }
  const pk = mapper.primaryKey ?? 'id'
  if (String(parsed.data[pk]) !== id) {
    return new MappingError(`${collection} ${id}: the row's "${pk}" (${String(parsed.data[pk])}) is not the document id`, {
      collection,
      id,
      field: pk,
    })
  }
  return parsed.data
}
