/**
 * `doctor`'s warning for a `numeric(p,s)` column (s > 0) the mapper writes any number to: PostgreSQL
 * rounds a value with more than s decimals to s, without an error, so the row then differs from its
 * document at every check and is rewritten for ever (a scale of 0 fails the type check instead). A
 * warning: money columns are numeric(p,2) on purpose, and a mapper may round in toRow — which its
 * rowSchema can say (`.multipleOf(0.01)`), and then nothing rounds and nothing is said. Whole numbers
 * (`z.number().int()`) never round.
 */
import type { ExpectedColumn } from '../mapping/columns.js'
import type { TableReport } from '../supabase/inspect.js'
import type { Finding } from './check.js'
import { alterTypeSql } from './schema-sql.js'

type Column = NonNullable<TableReport['columns']>[number]

/** The scale of a `numeric(p,s)` as format_type prints it; undefined for any other type. */
function scaleOf(type: string): number | undefined {
  const match = /^numeric\(\d+,(\d+)\)$/.exec(type)
  return match ? Number(match[1]) : undefined
}

/** Whether every multiple of `step` has at most `scale` decimals (0.05 in numeric(p,2): yes). */
function fits(step: number | undefined, scale: number): boolean {
  if (step === undefined) return false
  const scaled = step * 10 ** scale
  return Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, Math.abs(scaled))
}

export function scaleCheck(
  table: string,
  expected: readonly ExpectedColumn[],
  actual: ReadonlyMap<string, Column>,
  sqlFix: (sql: string) => string,
): Finding | undefined {
  const rounding = expected.flatMap((c) => {
    const scale = c.kind === 'numeric' ? scaleOf(actual.get(c.name)?.type ?? '') : undefined
    return scale && !fits(c.step, scale) ? [{ column: c, scale }] : []
  })
  if (!rounding.length) return undefined
  return {
    ok: true,
    warning: true,
    detail: `${rounding
      .map(
        ({ column, scale }) =>
          `${column.name} is ${actual.get(column.name)!.type}, the mapper's ${column.name} is any number: one with more than ${scale} decimals is stored rounded to ${scale}`,
      )
      .join(
        '; ',
      )} — its row then differs from its document at every check, and is rewritten each time`,
    fix: `round in toRow and say so in the rowSchema (${rounding.map(({ column, scale }) => `${column.name}: z.number().multipleOf(${(10 ** -scale).toFixed(scale)})`).join(', ')}); or, to keep every decimal, ${sqlFix(
      rounding.map(({ column }) => alterTypeSql(table, column)).join('\n'),
    )}`,
  }
}
