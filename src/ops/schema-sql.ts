/**
 * The SQL a Supabase project needs for the sync (`payload supabase-sync sql`): per synced collection its
 * table (the package's sql/001 for the ready dealers mapper, otherwise made from the mapper's
 * rowSchema), row level security and grants, then the functions of sql/002 and sql/003. Idempotent:
 * safe to run again. The statements `doctor` prints as fixes come from here too.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../errors.js'
import { dealerMapper } from '../mapping/dealer.js'
import { expectedColumns, type ColumnKind, type ExpectedColumn } from '../mapping/columns.js'
import type { SyncedCollection } from '../synced.js'
import type { IdKind } from './id-kind.js'

/** The package's sql/ folder: two levels up from this module (src/ops under tsx, dist/ops once built). */
export const packageSqlDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'sql',
)

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
const pgType: Record<ColumnKind, string> = {
  uuid: 'uuid',
  text: 'text',
  timestamptz: 'timestamptz',
  bigint: 'bigint',
  numeric: 'numeric',
  boolean: 'boolean',
  jsonb: 'jsonb',
}

export function columnSql(column: ExpectedColumn): string {
  return `${ident(column.name)} ${pgType[column.kind]}${column.nullable ? '' : ' not null'}`
}

export function addColumnSql(table: string, column: ExpectedColumn): string {
  // Added nullable: existing rows have no value yet; the next sync fills it.
  return `alter table public.${ident(table)} add column if not exists ${ident(column.name)} ${pgType[column.kind]};`
}

/** Lets a column hold null: the mapper may send none (a default does not stand in for a null sent). */
export function dropNotNullSql(table: string, column: string): string {
  return `alter table public.${ident(table)} alter column ${ident(column)} drop not null;`
}

/**
 * The statement that gives a column its kind's type. A `timestamp` without time zone holds the UTC wall
 * time of what was sent (Payload's timestamps end in `Z`, and PostgreSQL drops the offset): read as
 * UTC, the values keep their instants.
 */
export function alterTypeSql(table: string, column: ExpectedColumn, actualType = ''): string {
  const col = ident(column.name)
  const using =
    column.kind === 'timestamptz' && /^timestamp(\(\d\))? without time zone$/.test(actualType)
      ? `${col} at time zone 'UTC'`
      : `${col}::${pgType[column.kind]}`
  return `alter table public.${ident(table)} alter column ${col} type ${pgType[column.kind]} using ${using};`
}

const keyPgType: Record<IdKind, string> = { uuid: 'uuid', number: 'bigint', text: 'text' }

/**
 * What makes `column` the table's primary key, of a type the collection's ids fit in: its type
 * changed when it is wrong, and a key on other columns dropped first (PostgreSQL allows one; its name
 * is looked up, as the table may not be ours).
 */
export function primaryKeySql(
  table: string,
  column: string,
  kind: IdKind,
  found: { key: readonly string[]; typeFits: boolean; exists: boolean },
): string {
  const t = `public.${ident(table)}`
  const col = ident(column)
  const type = keyPgType[kind]
  const statements: string[] = []
  if (found.exists && !found.typeFits)
    statements.push(`alter table ${t} alter column ${col} type ${type} using ${col}::${type};`)
  const ours = found.key.length === 1 && found.key[0] === column
  if (!ours && found.key.length)
    statements.push(
      [
        `do $$ begin`,
        `  execute (select pg_catalog.format('alter table %s drop constraint %I', conrelid::regclass, conname)`,
        `    from pg_catalog.pg_constraint where conrelid = '${t.replace(/'/g, "''")}'::regclass and contype = 'p');`,
        `end $$;`,
      ].join('\n'),
    )
  if (!ours) statements.push(`alter table ${t} add primary key (${col});`)
  return statements.join('\n')
}

export function securitySql(table: string): string {
  const t = `public.${ident(table)}`
  return [
    `-- Only the service role (the plugin's key, which bypasses RLS) writes ${table}; anon and authenticated see nothing.`,
    `alter table ${t} enable row level security;`,
    `revoke all on table ${t} from anon, authenticated;`,
    `grant select, insert, update, delete on table ${t} to service_role;`,
  ].join('\n')
}

export function realtimeSql(table: string): string {
  return [
    `-- Realtime for ${table} (only where the plugin's realtime option is on):`,
    `do $$ begin`,
    `  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')`,
    `     and not exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = '${table.replace(/'/g, "''")}') then`,
    `    alter publication supabase_realtime add table public.${ident(table)};`,
    `  end if;`,
    `end $$;`,
  ].join('\n')
}

/**
 * The trigger that gives a row written around the plugin (not by its apply function) the largest
 * version, so that the delivery replacing it sees it and records the conflict (sql/002's
 * supabase_sync_mark_foreign, which must be installed first). sql/005 is this for dealers.
 */
export function markForeignSql(table: string, versionColumn: string): string {
  const t = `public.${ident(table)}`
  return [
    `drop trigger if exists supabase_sync_mark_foreign on ${t};`,
    `create trigger supabase_sync_mark_foreign before insert or update on ${t}`,
    `  for each row execute function public.supabase_sync_mark_foreign('${versionColumn.replace(/'/g, "''")}');`,
  ].join('\n')
}

/**
 * The table of one collection: sql/001 for the ready dealers mapper on `dealers`, else from its
 * rowSchema; a ConfigError when its columns cannot be read from the rowSchema.
 */
export async function tableSql(collection: SyncedCollection): Promise<string> {
  const { table, primaryKey, versionColumn } = collection.spec
  if (collection.mapper.rowSchema === dealerMapper.rowSchema && table === 'dealers') {
    return fs.readFile(path.join(packageSqlDir, '001_dealers.sql'), 'utf8')
  }
  const columns = expectedColumns(collection.mapper, versionColumn)
  if (!Array.isArray(columns))
    throw new ConfigError(
      `supabase-sync: collection "${collection.slug}": ${columns.problem}; ${columns.remedy}`,
      `collections.${collection.slug}.mapper`,
    )
  const lines = columns.map(
    (c) => `  ${columnSql(c)}${c.name === primaryKey ? ' primary key' : ''}`,
  )
  return [
    `-- ${collection.slug} → public.${table}, from the mapper's rowSchema (adjust types; add indexes, and unique constraints — deferrable initially immediate, so that documents can trade values — as your readers need).`,
    `create table if not exists public.${ident(table)} (`,
    lines.join(',\n'),
    `);`,
    ...columns.filter((c) => c.name !== primaryKey).map((c) => addColumnSql(table, c)),
    '',
    securitySql(table),
  ].join('\n')
}

/** Everything, in order: tables, then the functions. */
export async function projectSql(
  collections: Iterable<SyncedCollection>,
  options: {
    realtime?: (collection: SyncedCollection) => boolean
    /** `upsert`: the plugin writes through PostgREST's upsert; the apply function is not printed. */
    writeMode?: 'rpc' | 'upsert'
  } = {},
): Promise<string> {
  const parts: string[] = [
    '-- Supabase schema for payload-plugin-supabase-sync (idempotent: safe to run again).',
    '',
  ]
  // Walked twice (tables, then triggers): an iterator would be spent after the first.
  const list = [...collections]
  for (const collection of list) {
    parts.push(await tableSql(collection), '')
    if (options.realtime?.(collection)) parts.push(realtimeSql(collection.spec.table), '')
  }
  // The upsert mode is for projects that cannot add functions: the script must run whole there.
  if (options.writeMode === 'upsert')
    parts.push(
      "-- writeMode 'upsert': sql/002's supabase_sync_apply is not needed (and not printed). sql/003's",
      '-- supabase_sync_inspect below only lets `doctor` check the tables; leave it out if functions cannot be added.',
      '',
    )
  const files = options.writeMode === 'upsert' ? [] : ['002_sync_apply.sql']
  for (const file of [...files, '003_sync_inspect.sql'])
    parts.push(await fs.readFile(path.join(packageSqlDir, file), 'utf8'), '')
  // After sql/002, whose function they run. Not for 'upsert': without the apply function every
  // write of the plugin's would be marked as made around it.
  if (options.writeMode !== 'upsert')
    for (const { spec } of list)
      if (spec.versionColumn !== false)
        parts.push(
          `-- Edits made in ${spec.table} directly are marked, so that the delivery replacing them records the conflict:`,
          markForeignSql(spec.table, spec.versionColumn),
          '',
        )
  return parts.join('\n')
}
