/**
 * At startup: a mapper for a uuid key on a collection whose ids are numbers cannot work — every row
 * would be refused — so the start fails with what to change.
 */
import type { Payload } from 'payload'
import { ConfigError } from '../errors.js'
import type { SyncedCollection } from '../synced.js'

export function checkIdTypes(payload: Payload, collections: Map<string, SyncedCollection>): void {
  for (const collection of collections.values()) {
    if (collection.mapper.idType !== 'uuid') continue
    const idType = payload.collections[collection.slug]?.customIDType ?? payload.db.defaultIDType
    if (idType === 'number') {
      throw new ConfigError(
        `supabase-sync: collection "${collection.slug}" has numeric ids, but its Supabase table "${collection.spec.table}" has a uuid primary key: ` +
          `use postgresAdapter({ idType: 'uuid' }) (or a mapper for numeric ids)`,
        `collections.${collection.slug}`,
      )
    }
  }
}
