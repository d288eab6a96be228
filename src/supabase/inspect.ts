/** What Supabase says about a synced table (sql/003's `supabase_sync_inspect`), for `doctor`. */
import { TargetError } from '../errors.js'
import type { SupabaseTarget, TableSpec } from './target.js'

export interface TableReport {
  exists: boolean
  columns?: Array<{ name: string; type: string; nullable: boolean; default: boolean }>
  primaryKey?: string[]
  rls?: boolean
  anonSelect?: boolean
  anonPolicies?: number
  serviceRoleWrite?: boolean
  /** null: the apply function is not installed; false: not executable by service_role. */
  applyFunction?: boolean | null
  realtime?: boolean
  /**
   * The version columns a trigger marks when a write is not the plugin's (sql/002's
   * supabase_sync_mark_foreign); absent: sql/003 is older than this.
   */
  markForeign?: string[]
  /** The apply function's comment, where sql/002 writes its version ('' none; absent: older sql/003). */
  applyComment?: string | null
  /** Unique constraints and indexes besides the key (absent: sql/003 is older than this). */
  uniques?: UniqueReport[]
  /**
   * Sample ids as the primary key's collation orders them; null: the key is not text (uuids and numbers
   * order alike everywhere); absent: sql/003 is older than this.
   */
  keyOrder?: string[] | null
  /**
   * The statement_timeout the service role's requests run under, in ms (0: none); absent: sql/003 is
   * older than this. The same for every table: it is the request's, not the table's.
   */
  statementTimeoutMs?: number
}

export interface UniqueReport {
  name: string
  /** A constraint (false: a unique index, which cannot be deferrable). */
  constraint: boolean
  columns: string[]
  /** Checked at the end of each statement (DEFERRABLE), not row by row. */
  deferrable: boolean
  /** A foreign key references it: it cannot be made deferrable. */
  referenced: boolean
  /** An index on an expression or with a predicate: no constraint can say it, nor defer it. */
  expression?: boolean
}

export const inspectFunction = 'supabase_sync_inspect'

/** The report, or the failure (a TargetError: 404 PGRST202 when the function is not installed). */
export async function inspectTable(
  target: SupabaseTarget,
  spec: TableSpec,
): Promise<TableReport | TargetError> {
  const { data, error, status } = await target.client
    .rpc(inspectFunction, { target_table: spec.table })
    .retry(false)
  if (error) {
    return new TargetError(`${spec.table}: ${error.message}`, {
      collection: spec.collection,
      operation: 'read',
      status,
      code: error.code ?? undefined,
    })
  }
  return data as TableReport
}
