/**
 * `doctor`'s checks of a table's columns against those its mapper writes (mapping/columns.ts): each
 * one is there, of a type that gives back what was written, not NOT NULL where the mapper may send no
 * value (not-null-check.ts), and a numeric scale that rounds is a warning (scale-check.ts). A rowSchema
 * the columns cannot be read from fails here, saying what to do, rather than pass a table nothing was
 * checked against.
 */
import type { ExpectedColumn, Underivable } from '../mapping/columns.js'
import { typeFits } from '../mapping/columns.js'
import type { TableReport } from '../supabase/inspect.js'
import type { Check } from './check.js'
import { notNullCheck } from './not-null-check.js'
import { scaleCheck } from './scale-check.js'
import { addColumnSql, alterTypeSql } from './schema-sql.js'

type Column = NonNullable<TableReport['columns']>[number]

export function columnChecks(
  name: (what: string) => string,
  table: { name: string; primaryKey: string },
  expected: ExpectedColumn[] | Underivable,
  actual: ReadonlyMap<string, Column>,
  sqlFix: (sql: string) => string,
): Check[] {
  if (!Array.isArray(expected))
    return [{ name: name('columns'), ok: false, detail: expected.problem, fix: expected.remedy }]
  const typeOf = (c: ExpectedColumn) => actual.get(c.name)?.type ?? ''
  const missing = expected.filter((c) => !actual.has(c.name))
  const mistyped = expected.filter((c) => actual.has(c.name) && !typeFits(c.kind, typeOf(c)))
  const checks: Check[] = [
    missing.length
      ? {
          name: name('columns'),
          ok: false,
          detail: `missing: ${missing.map((c) => c.name).join(', ')}`,
          fix: sqlFix(missing.map((c) => addColumnSql(table.name, c)).join('\n')),
        }
      : {
          name: name('columns'),
          ok: true,
          detail: `${expected.length} columns the mapper writes are there`,
        },
  ]
  if (mistyped.length)
    checks.push({
      name: name('column types'),
      ok: false,
      detail: mistyped
        .map((c) => `${c.name} is ${typeOf(c)}, the mapper writes ${c.kind}`)
        .join('; '),
      fix: sqlFix(mistyped.map((c) => alterTypeSql(table.name, c, typeOf(c))).join('\n')),
    })
  const nulls = notNullCheck(table.name, expected, actual, table.primaryKey, sqlFix)
  if (nulls) checks.push({ name: name('not null'), ...nulls })
  // Of the columns whose type fits: a mistyped one gets its type's fix first.
  const fitting = expected.filter((c) => actual.has(c.name) && typeFits(c.kind, typeOf(c)))
  const scales = scaleCheck(table.name, fitting, actual, sqlFix)
  if (scales) checks.push({ name: name('column scale'), ...scales })
  return checks
}
