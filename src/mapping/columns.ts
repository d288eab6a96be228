/**
 * The columns a mapper writes, and the PostgreSQL types they need, read from its `rowSchema` (zod's
 * JSON Schema of it): what `doctor` checks a table against and what `sql` creates a table with. Pure.
 */
import { z } from 'zod'
import type { SyncMapper } from './types.js'

export type ColumnKind =
  'uuid' | 'text' | 'timestamptz' | 'bigint' | 'numeric' | 'boolean' | 'jsonb'

export interface ExpectedColumn {
  name: string
  kind: ColumnKind
  /** A row may have no value for it (null, or the key left out): what `sql` creates the column with. */
  nullable: boolean
  /**
   * How a row may come without a value: the schema allows null, or lets the key out (`.optional()`).
   * Absent: every row has one. Either way a NOT NULL column refuses such a row (doctor's not-null check).
   */
  noValue?: 'null' | 'left out'
  /** The schema's `.multipleOf()` of a number (0.01: cents), which a numeric column's scale may hold exactly. */
  step?: number
}

/** Why the columns cannot be read from a rowSchema, and what to do about it. */
export interface Underivable {
  problem: string
  remedy: string
}

/**
 * Marks what zod's JSON Schema leaves empty because it cannot know it: a transform's output (and a
 * custom check's, a bigint's). Left empty, it would read as "any JSON" (jsonb), and a rowSchema that
 * is a transform as a row without columns: `sql` would print a table without a key and `doctor` would
 * find its columns all there.
 */
const underivable = 'x-supabase-sync-underivable'
const unknownOutput = new Set(['transform', 'custom', 'bigint'])

type JsonSchema = {
  type?: string | string[]
  format?: string
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  multipleOf?: number
  items?: JsonSchema | JsonSchema[]
  additionalProperties?: JsonSchema | boolean
  [underivable]?: string
}

interface Kind {
  kind: ColumnKind | undefined
  nullable: boolean
  step?: number
}

function kindOf(schema: JsonSchema): Kind {
  if (schema[underivable]) return { kind: undefined, nullable: false }
  const variants = schema.anyOf ?? schema.oneOf
  if (variants) {
    const nonNull = variants.filter((v) => v.type !== 'null')
    const nullable = nonNull.length < variants.length
    const inner: Kind =
      nonNull.length === 1 ? kindOf(nonNull[0]) : { kind: 'jsonb', nullable: false }
    return { ...inner, nullable: nullable || inner.nullable }
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  const nullable = types.includes('null')
  const type = types.find((t) => t !== 'null')
  if (type === 'string')
    return {
      kind:
        schema.format === 'uuid' ? 'uuid' : schema.format === 'date-time' ? 'timestamptz' : 'text',
      nullable,
    }
  if (type === 'integer') return { kind: 'bigint', nullable }
  if (type === 'number') return { kind: 'numeric', nullable, step: schema.multipleOf }
  if (type === 'boolean') return { kind: 'boolean', nullable }
  return { kind: 'jsonb', nullable }
}

/** Whether a z.bigint() is anywhere in it (a column, or deep in a jsonb one): no row could be sent. */
function holdsBigint(schema: JsonSchema | boolean | undefined): boolean {
  if (typeof schema !== 'object') return false
  if (schema[underivable] === 'bigint') return true
  const nested = [
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...Object.values(schema.properties ?? {}),
    ...(Array.isArray(schema.items) ? schema.items : [schema.items]),
    schema.additionalProperties,
  ]
  return nested.some((s) => holdsBigint(s))
}

const bigintRemedy =
  'JSON has no bigint (JSON.stringify throws on one), so no row holding one could be sent: use z.number().int() for whole numbers up to 2^53 - 1 (a bigint column takes them), or a z.string() of the digits for larger ones (a numeric or text column), converting in toRow'

const remedy =
  "make rowSchema describe the row as it is sent, a z.object({ … }) of its columns: do the transform in toRow, or end the schema with .pipe(z.object({ … })) of the transform's output"

/**
 * The mapper's columns in schema order, plus the plugin's version column (bigint, nullable); or why
 * they cannot be known — never a guess, which would create or pass a table the rows do not fit.
 */
export function expectedColumns(
  mapper: Pick<SyncMapper, 'rowSchema'>,
  versionColumn: string | false,
): ExpectedColumn[] | Underivable {
  const json = z.toJSONSchema(mapper.rowSchema, {
    io: 'output',
    unrepresentable: 'any',
    override: (ctx) => {
      const type = ctx.zodSchema._zod.def.type
      if (unknownOutput.has(type)) (ctx.jsonSchema as JsonSchema)[underivable] = type
      // A Date is sent as JSON.stringify writes it, an ISO string in UTC: a timestamptz column.
      if (type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' })
    },
  }) as JsonSchema
  const problem = "cannot derive the table's columns from this rowSchema (a transform?)"
  if (json.type !== 'object' || !json.properties || !Object.keys(json.properties).length)
    return { problem: `${problem}: it describes no object of columns`, remedy }
  // Before the transforms: a bigint is no transform, and its own remedy is not the transform's.
  const bigints = Object.keys(json.properties).filter((name) => holdsBigint(json.properties![name]))
  if (bigints.length)
    return {
      problem: `the rowSchema has a z.bigint() in ${bigints.join(', ')}, which JSON cannot carry`,
      remedy: bigintRemedy,
    }
  const required = new Set(json.required ?? [])
  const columns: ExpectedColumn[] = []
  const unknown: string[] = []
  for (const [name, schema] of Object.entries(json.properties)) {
    const { kind, nullable, step } = kindOf(schema)
    const noValue = nullable ? 'null' : required.has(name) ? undefined : 'left out'
    if (kind === undefined) unknown.push(name)
    else
      columns.push({
        name,
        kind,
        nullable: noValue !== undefined,
        ...(noValue && { noValue }),
        ...(step !== undefined && { step }),
      })
  }
  if (unknown.length)
    return { problem: `${problem}: the type of ${unknown.join(', ')} is not known`, remedy }
  if (versionColumn && !columns.some((c) => c.name === versionColumn))
    columns.push({ name: versionColumn, kind: 'bigint', nullable: true })
  return columns
}

/**
 * PostgreSQL types (as `format_type` prints them) a column of this kind may have: only those that give
 * back what was written. A lossy type differs from the mapper's row on every read — a `timestamp`
 * without time zone comes back without an offset, a `real` or a `numeric(p,0)` rounds, a timestamp of
 * less than millisecond precision drops Payload's milliseconds — so every reconcile would rewrite every
 * row, for ever. An integer column does not round: a fraction (or a number out of its range) is refused,
 * a row error that names the document, so it may hold a number the mapper keeps whole.
 */
const compatible: Record<ColumnKind, RegExp> = {
  uuid: /^(uuid|text|character varying.*)$/,
  text: /^(text|character varying.*|citext)$/,
  timestamptz: /^timestamp(\([3-6]\))? with time zone$/,
  bigint: /^(bigint|integer|smallint|numeric.*)$/,
  // A declared scale is the table's choice of decimals (money): it fits, and doctor warns that it
  // rounds a number with more (ops/scale-check.ts); numeric(p,0) rounds to whole numbers: it does not.
  numeric: /^(numeric|numeric\(\d+,[1-9]\d*\)|double precision|bigint|integer|smallint)$/,
  boolean: /^boolean$/,
  jsonb: /^(jsonb|json)$/,
}

export function typeFits(kind: ColumnKind, actual: string): boolean {
  return compatible[kind].test(actual)
}
