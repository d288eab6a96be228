/**
 * `doctor`'s check of a table's primary key: the plugin matches rows on one column, whose type must
 * hold the collection's ids — its own `id` field's type where it has one, else the adapter's.
 */
import type { TableReport } from '../supabase/inspect.js'
import type { Finding } from './check.js'
import type { IdKind } from './id-kind.js'
import { primaryKeySql } from './schema-sql.js'

/** Key types (as `format_type` prints them) that hold ids of each kind. */
const holds: Record<IdKind, RegExp> = {
  uuid: /^(uuid|text|character varying.*)$/,
  number: /^(bigint|integer|numeric.*)$/,
  text: /^(text|character varying.*)$/,
}

export function primaryKeyCheck(
  table: { name: string; primaryKey: string },
  kind: IdKind,
  report: TableReport,
  sqlFix: (sql: string) => string,
): Finding {
  const column = report.columns?.find((c) => c.name === table.primaryKey)
  const key = report.primaryKey ?? []
  const typeFits = column !== undefined && holds[kind].test(column.type)
  const type = column ? ` (${column.type})` : ''
  if (typeFits && key.length === 1 && key[0] === table.primaryKey)
    return { ok: true, detail: `${table.primaryKey}${type}, Payload ids are ${kind}` }
  return {
    ok: false,
    detail: `the primary key is ${key.join(', ') || 'missing'}; the plugin matches rows on ${table.primaryKey}${type}, Payload ids are ${kind}`,
    fix: sqlFix(
      primaryKeySql(table.name, table.primaryKey, kind, { key, typeFits, exists: !!column }),
    ),
  }
}
