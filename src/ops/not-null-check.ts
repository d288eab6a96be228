/**
 * `doctor`'s check that no NOT NULL column refuses rows the mapper makes: a rowSchema that lets a
 * column be null, or its key be left out, makes documents whose row has no value there; Supabase
 * refuses each (23502), a row error that is not retried — the document is given up, a failure on
 * every save. A default does not help a null sent as such, nor a key left out of one row of a batch
 * in which another row has it: the batch names the column, so that row sends null for it (sql/002's
 * jsonb_populate_recordset; supabase-js's upsert of several rows alike). So the fix is to allow null.
 * The reverse — a nullable column for a column the mapper always fills — is fine: nothing to say.
 */
import type { ExpectedColumn } from '../mapping/columns.js'
import type { TableReport } from '../supabase/inspect.js'
import type { Finding } from './check.js'
import { dropNotNullSql } from './schema-sql.js'

type Column = NonNullable<TableReport['columns']>[number]

const why: Record<NonNullable<ExpectedColumn['noValue']>, string> = {
  null: 'may be null (nullable in the rowSchema)',
  'left out': 'may be left out (optional in the rowSchema)',
}

export function notNullCheck(
  table: string,
  expected: readonly ExpectedColumn[],
  actual: ReadonlyMap<string, Column>,
  primaryKey: string,
  sqlFix: (sql: string) => string,
): Finding | undefined {
  // The key is not null by nature: a row without one is the mapper's error, named at delivery.
  const refused = expected.filter(
    (c) => c.noValue && c.name !== primaryKey && actual.get(c.name)?.nullable === false,
  )
  if (!refused.length) return undefined
  return {
    ok: false,
    detail: `${refused
      .map(
        (c) =>
          `${c.name} is not null${actual.get(c.name)?.default ? ' (with a default)' : ''}, the mapper's ${c.name} ${why[c.noValue!]}`,
      )
      .join(
        '; ',
      )}: Supabase refuses every such row (23502), and its document is given up — a default fills no null sent, nor a key left out of a row whose batch has it in another`,
    fix: sqlFix(refused.map((c) => dropNotNullSql(table, c.name)).join('\n')),
  }
}
