/**
 * The id type of a collection's documents, as Payload's adapter stores them: a collection with an `id`
 * field of its own has that field's type (customIDType), whatever the adapter's default.
 */
import type { Payload } from 'payload'

export type IdKind = 'uuid' | 'number' | 'text'

export function idKind(payload: Payload, slug: string): IdKind {
  const custom = payload.collections[slug]?.customIDType
  if (custom === 'number') return 'number'
  if (custom === 'text') return 'text'
  if ((payload.db as { idType?: string }).idType === 'uuid') return 'uuid'
  return payload.db.defaultIDType === 'number' ? 'number' : 'text'
}
