/**
 * The transaction every request runs in, as PostgREST runs it (MainTx.hs): BEGIN (READ ONLY for
 * reads), the role and claims from the JWT as transaction settings, the statement timeout the
 * authenticator's session has on Supabase and the role's own settings, the one statement, and
 * COMMIT, or ROLLBACK when the statement fails or a singular answer does not have exactly one row.
 */
import type pg from 'pg'
import { ANON_ROLE, type AuthResult } from './auth.js'
import type { ApiRequest, HandlerContext } from './context.js'
import { ApiError, toApiError } from './errors.js'
import type { Media } from './media.js'

/** The result row every statement in sql.ts and mutate.ts returns. */
export interface ResultRow {
  total: number | null
  pageTotal: number
  inserted: number | null
  body: string
}

interface RawResultRow {
  total: string | null
  page_total: string
  inserted: string | null
  body: string | null
}

export interface TxOptions {
  readOnly: boolean
  /** A singular response needs exactly one row; otherwise 406 and, for writes, the change is rolled back. */
  singular?: boolean
  method: string
  path: string
}

/**
 * Supabase's `authenticator` role has `statement_timeout = '8s'`; PostgREST logs in as it and applies
 * only the impersonated role's own settings, so `service_role` (which has none) runs under 8 s.
 */
export const DEFAULT_STATEMENT_TIMEOUT = '8s'

/** The option as set_config takes it ('8s', '400ms'); undefined: no timeout (false, 0, '0'). */
export function resolveStatementTimeout(
  option: string | number | false | undefined,
): string | undefined {
  if (option === undefined) return DEFAULT_STATEMENT_TIMEOUT
  if (option === false || option === 0 || option === '0') return undefined
  const valid =
    typeof option === 'number'
      ? Number.isSafeInteger(option) && option > 0
      : /^\d+\s*(us|ms|s|min|h|d)?$/.test(option.trim())
  if (!valid) {
    throw new Error(
      `PostgREST stand-in: statementTimeout must be a positive number of ms, a PostgreSQL duration ('8s') or false (got ${String(option)})`,
    )
  }
  return typeof option === 'number' ? `${option}ms` : option.trim()
}

/**
 * One statement for all the request's settings, in PostgREST's order (Query.hs: role, then the role's
 * settings from `pg_roles.rolconfig`, e.g. Supabase's `anon` 3 s). A statement_timeout set here
 * bounds the request's statement, the next one; null keeps the session's.
 */
const SETTINGS_SQL =
  `SELECT set_config('statement_timeout', coalesce($5, current_setting('statement_timeout')), true), ` +
  `set_config('role', $1, true), set_config('request.jwt.claims', $2, true), ` +
  `set_config('request.method', $3, true), set_config('request.path', $4, true), ` +
  `(SELECT count(set_config(split_part(s, '=', 1), substr(s, strpos(s, '=') + 1), true)) ` +
  `FROM pg_catalog.pg_roles r, unnest(r.rolconfig) s WHERE r.rolname = $1)`

export function txOptions(req: ApiRequest, readOnly: boolean, media: Media): TxOptions {
  return { readOnly, singular: media.singular, method: req.method, path: req.url.pathname }
}

/**
 * Runs one statement the way PostgREST does: in a transaction, as the role from the JWT
 * (`set_config('role', ...)`, so RLS and grants apply), with the claims available to policies as
 * `request.jwt.claims`, under the statement timeout and the role's settings.
 */
export async function runStatement(
  ctx: HandlerContext,
  auth: AuthResult,
  tx: TxOptions,
  text: string,
  values: unknown[],
): Promise<ResultRow> {
  let client: pg.PoolClient
  try {
    client = await ctx.pool.connect()
  } catch (error) {
    throw toApiError(error, auth.role !== ANON_ROLE)
  }
  let broken: Error | undefined
  try {
    await client.query(
      tx.readOnly
        ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY'
        : 'BEGIN ISOLATION LEVEL READ COMMITTED',
    )
    await client.query(SETTINGS_SQL, [
      auth.role,
      JSON.stringify(auth.claims),
      tx.method,
      tx.path,
      ctx.statementTimeout ?? null,
    ])
    const result = await client.query<RawResultRow>(text, values)
    const raw = result.rows[0]
    const row: ResultRow = {
      total: raw.total === null ? null : Number(raw.total),
      pageTotal: Number(raw.page_total),
      inserted: raw.inserted === null ? null : Number(raw.inserted),
      body: raw.body ?? '',
    }
    if (tx.singular && row.pageTotal !== 1) {
      throw new ApiError(
        406,
        'PGRST116',
        'Cannot coerce the result to a single JSON object',
        `The result contains ${row.pageTotal} rows`,
      )
    }
    await client.query('COMMIT')
    return row
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError // the connection is gone: do not hand it out again
    })
    throw toApiError(error, auth.role !== ANON_ROLE)
  } finally {
    client.release(broken)
  }
}
