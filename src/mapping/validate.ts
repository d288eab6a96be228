import type { z } from 'zod'
import { MappingError } from '../errors.js'
import type { Doc, Row, SyncMapper } from './types.js'

/** Dotted path of a zod issue: `api_config.platforms.0`. */
export function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.map(String).join('.')
}

/**
 * The field a mapper's error names: its `field` property (`Object.assign(new Error('…'), { field: 'title' })`),
 * or the path of the first issue of a zod error (a mapper that parses with a schema of its own).
 */
function thrownField(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined
  const { field, issues } = cause as { field?: unknown; issues?: Array<{ path?: PropertyKey[] }> }
  if (typeof field === 'string' && field) return field
  const path = Array.isArray(issues) ? issues[0]?.path : undefined
  return path?.length ? path.map(String).join('.') : undefined
}

/**
 * A collection's mapper with its `shouldSync` folded in: a document that fails `shouldSync` maps to
 * null (kept out of Supabase, its row removed), exactly like a mapper returning null. A `shouldSync`
 * that throws is a mapping error of that document (field "(shouldSync)"), never a failed save or a
 * failed batch.
 */
export function withShouldSync<M extends SyncMapper>(
  mapper: M,
  shouldSync: ((doc: Doc) => boolean) | undefined,
): M {
  if (!shouldSync) return mapper
  return {
    ...mapper,
    toRow(doc: Doc) {
      let pass: boolean
      try {
        pass = shouldSync(doc)
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause)
        throw Object.assign(new Error(`shouldSync failed: ${reason}`, { cause }), {
          field: '(shouldSync)',
        })
      }
      return pass ? mapper.toRow(doc) : null
    },
  }
}

/**
 * The checked row of a document, null when it must not be in Supabase, or a MappingError naming the
 * collection, the document and the field. Never throws.
 */
export function mapDocument(
  collection: string,
  mapper: SyncMapper,
  doc: Doc,
): Row | null | MappingError {
  const id = String(doc.id)
  let row: Row | null
  try {
    row = mapper.toRow(doc)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const field = thrownField(cause)
    return new MappingError(
      `${collection} ${id}: the mapper failed${field ? ` on field "${field}"` : ''}: ${reason}`,
      { collection, id, field, cause },
    )
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
    return new MappingError(
      `${collection} ${id}: the row's "${pk}" (${String(parsed.data[pk])}) is not the document id`,
      {
        collection,
        id,
        field: pk,
      },
    )
  }
  return withNulls(parsed.data)
}

/**
 * A key `toRow` gives as undefined is null: JSON, as the guarded function gets rows, drops undefined
 * keys, and the function keeps a column no row of the batch names, so a cleared value stayed in
 * Supabase for ever (`note: doc.note || undefined`), while PostgREST's upsert wrote null. A key toRow
 * leaves out is a column it does not write (a database default's): not filled in. In place: the row
 * is zod's fresh output, and a reconcile maps thousands.
 */
function withNulls(row: Row): Row {
  for (const key in row) if (row[key] === undefined) row[key] = null
  return row
}
