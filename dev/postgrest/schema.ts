/**
 * The schema cache: tables, their columns and functions of the exposed schema, read from
 * pg_catalog. Like PostgREST, names coming from a request are only ever used after they were found
 * here (or quoted as identifiers, letting PostgreSQL report an unknown column).
 *
 * PostgREST reloads its cache on `NOTIFY pgrst` (Supabase sends one after every DDL). The stand-in
 * reloads on a miss instead, which gives the same result for tests that create tables on the fly.
 */
import type pg from 'pg'

export interface Column {
  name: string
  /** format_type(): what json_to_recordset needs to parse the value (`uuid`, `text[]`, `character varying(20)`). */
  type: string
  /** The DEFAULT expression as SQL (`gen_random_uuid()`), used for `Prefer: missing=default`. */
  default: string | null
}

export interface Table {
  schema: string
  name: string
  columns: Column[]
  columnsByName: Map<string, Column>
  primaryKey: string[]
}

export interface FunctionParam {
  name: string
  type: string
  variadic: boolean
  /** Can be left out of the call (it has a DEFAULT). */
  optional: boolean
}

export interface Routine {
  schema: string
  name: string
  params: FunctionParam[]
  returnsSet: boolean
  returnsVoid: boolean
  /** Returns rows (a composite type, `table(...)` or OUT parameters) rather than a scalar. */
  returnsComposite: boolean
  volatile: boolean
}

const TABLES_SQL = `
select c.relname as name,
  coalesce((
    select json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'default', pg_get_expr(d.adbin, d.adrelid)) order by a.attnum)
    from pg_attribute a
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum and a.attgenerated = ''
    where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  ), '[]') as columns,
  coalesce((
    select json_agg(a.attname order by k.ord)
    from pg_index i
    cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = c.oid and i.indisprimary
  ), '[]') as primary_key
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'f', 'p')`

const ROUTINES_SQL = `
select p.proname as name,
  p.proretset as returns_set,
  p.prorettype = 'void'::regtype as returns_void,
  (t.typtype = 'c' or (p.prorettype = 'record'::regtype and coalesce('o' = any(p.proargmodes) or 't' = any(p.proargmodes) or 'b' = any(p.proargmodes), false))) as returns_composite,
  p.provolatile = 'v' as volatile,
  p.pronargdefaults as n_defaults,
  coalesce((
    select json_agg(json_build_object(
      'name', coalesce(p.proargnames[u.ord], ''),
      'type', format_type(u.typ, null),
      'mode', coalesce(p.proargmodes[u.ord]::text, 'i')) order by u.ord)
    from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as u(typ, ord)
  ), '[]') as args
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = $1 and p.prokind = 'f'`

interface TableRow {
  name: string
  columns: Column[]
  primary_key: string[]
}

interface RoutineRow {
  name: string
  returns_set: boolean
  returns_void: boolean
  returns_composite: boolean
  volatile: boolean
  n_defaults: number
  args: { name: string; type: string; mode: string }[]
}

export class SchemaCache {
  private tables = new Map<string, Table>()
  private routines = new Map<string, Routine[]>()
  private loading: Promise<void> | undefined

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {}

  /** Reloads the whole cache; concurrent callers share one reload. */
  async reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined
    })
    return this.loading
  }

  private async load(): Promise<void> {
    const [tables, routineRows] = await Promise.all([
      this.pool.query<TableRow>(TABLES_SQL, [this.schema]),
      this.pool.query<RoutineRow>(ROUTINES_SQL, [this.schema]),
    ])
    this.tables = new Map(
      tables.rows.map((r) => [
        r.name,
        {
          schema: this.schema,
          name: r.name,
          columns: r.columns,
          columnsByName: new Map(r.columns.map((c) => [c.name, c])),
          primaryKey: r.primary_key,
        },
      ]),
    )
    const routines = new Map<string, Routine[]>()
    for (const r of routineRows.rows) {
      // Only input parameters take part in a call; defaults belong to the last ones.
      const inputs = r.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v')
      const params = inputs.map((a, i) => ({
        name: a.name,
        type: a.type,
        variadic: a.mode === 'v',
        optional: i >= inputs.length - r.n_defaults,
      }))
      const routine: Routine = {
        schema: this.schema,
        name: r.name,
        params,
        returnsSet: r.returns_set,
        returnsVoid: r.returns_void,
        returnsComposite: r.returns_composite,
        volatile: r.volatile,
      }
      routines.set(r.name, [...(routines.get(r.name) ?? []), routine])
    }
    this.routines = routines
  }

  /** Looks a table up, reloading once if it is not known (it may have been created since). */
  async table(name: string): Promise<Table | undefined> {
    if (!this.tables.has(name)) await this.reload()
    return this.tables.get(name)
  }

  /** Column lookup that reloads once on a miss (a column added since the last load). */
  async column(table: Table, name: string): Promise<{ table: Table; column: Column | undefined }> {
    let column = table.columnsByName.get(name)
    if (column) return { table, column }
    await this.reload()
    const fresh = this.tables.get(table.name) ?? table
    column = fresh.columnsByName.get(name)
    return { table: fresh, column }
  }

  async routineOverloads(name: string, reload: boolean): Promise<Routine[]> {
    if (reload || !this.routines.has(name)) await this.reload()
    return this.routines.get(name) ?? []
  }

  tableNames(): string[] {
    return [...this.tables.keys()]
  }

  routineNames(): string[] {
    return [...this.routines.keys()]
  }
}

/**
 * A close name for "Perhaps you meant ..." hints. PostgREST uses a fuzzy set with a 0.75 score;
 * a normalised edit distance is close enough for a hint.
 */
export function closestName(name: string, candidates: string[], minScore = 0.75): string | null {
  let best: string | null = null
  let bestScore = 0
  for (const candidate of candidates) {
    const score = 1 - editDistance(name, candidate) / Math.max(name.length, candidate.length, 1)
    if (score > bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return bestScore >= minScore && best !== name ? best : null
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}
