/**
 * `doctor`'s check that Payload's database and Supabase order a collection's text ids alike. The scans
 * page by Payload's order and read Supabase's rows by ranges of those keys; under another collation
 * (C beside en-US: upper case first in one, case second in the other) a row lies in another page's
 * range. Nothing is missed — such rows are read by id — but each costs reads, on every scan.
 * Supabase orders a few sample ids by its key's collation (sql/003); Payload's database orders the
 * same ids by its id column's collation here, and the two orders are compared.
 */
import type { TableReport } from '../supabase/inspect.js'
import { rerunInspectSql, type Finding } from './check.js'
import type { PayloadDatabase, TableRef } from '../queue/database.js'

/** `"name"` → name. */
const unquote = (quoted: string) =>
  quoted.startsWith('"') ? quoted.slice(1, -1).replace(/""/g, '"') : quoted

/**
 * The collation of a column of Payload's schema: as `collate` takes it, and whether it is C (the
 * database's default resolved); undefined: the column has none (not text).
 */
async function columnCollation(
  db: PayloadDatabase,
  table: TableRef,
  field: string,
): Promise<{ collation: string; c: boolean } | undefined> {
  const { rows } = await db.query<{ collation: string; c: boolean }>(
    // The database's default resolved; its locale provider read through to_jsonb, as the column
    // exists from PostgreSQL 15 on (an ICU default is no C, whatever datcollate says).
    `select pg_catalog.format('%I.%I', n.nspname, c.collname) as collation,
            coalesce(case when c.collprovider = 'd'
              then (select coalesce(pg_catalog.to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' and d.datcollate in ('C', 'POSIX')
                      from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
              else c.collprovider = 'c' and c.collcollate in ('C', 'POSIX') end, false) as c
       from pg_catalog.pg_attribute a
       join pg_catalog.pg_collation c on c.oid = a.attcollation
       join pg_catalog.pg_namespace n on n.oid = c.collnamespace
      where a.attrelid = pg_catalog.to_regclass($1) and a.attname = $2`,
    [table.name, unquote(table.column(field))],
  )
  return rows[0]
}

/** Undefined when it does not apply: Payload's ids are not text. */
export async function keyOrderCheck(
  db: PayloadDatabase,
  slug: string,
  report: TableReport,
  table: { name: string; primaryKey: string; keyType: string },
): Promise<Finding | undefined> {
  const found = await columnCollation(db, db.table(slug), 'id')
  if (!found) return undefined
  const { collation } = found
  if (report.keyOrder === undefined)
    return {
      ok: true,
      skipped: true,
      detail:
        'Supabase does not report how it orders the ids (sql/003 is older than this plugin): not checked',
      fix: rerunInspectSql,
    }
  // A text id in Payload's database beside a uuid or number key in Supabase: the primary key check says so.
  if (report.keyOrder === null) return undefined
  const sample = report.keyOrder
  const { rows } = await db.query<{ ordered: string[] }>(
    `select coalesce(array_agg(x order by x collate ${collation}), '{}') as ordered from unnest($1::text[]) x`,
    [sample],
  )
  const ours = rows[0].ordered
  if (ours.join('\u0000') === sample.join('\u0000'))
    return {
      ok: true,
      detail: `Payload's database and Supabase order ids alike (${collation} here)`,
    }
  return {
    ok: false,
    detail: `Supabase orders ids otherwise than Payload's database (${collation}): ${sample.slice(0, 6).join(' ')} … there, ${ours.slice(0, 6).join(' ')} … here. Nothing is missed, but every scan reads the rows that lie outside their page by id`,
    fix: found.c
      ? `give the key Payload's collation, C: in the Supabase SQL editor,\n${collateC(table)}`
      : `give both id columns one collation, e.g. C: in the Supabase SQL editor,\n${collateC(table)}\nand the same on Payload's table of ${slug} (a migration of yours)`,
  }
}

/** The key keeps its type (text, varchar(n)); only its collation changes. */
const collateC = (table: { name: string; primaryKey: string; keyType: string }) =>
  `alter table public."${table.name.replace(/"/g, '""')}" alter column "${table.primaryKey.replace(/"/g, '""')}" type ${table.keyType} collate "C";`
