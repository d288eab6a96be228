/**
 * The transaction every request runs in, as PostgREST runs it (MainTx.hs): BEGIN (READ ONLY for
 * reads), the role and claims from the JWT as transaction settings, the one statement, and COMMIT,
 * or ROLLBACK when the statement fails or a singular answer does not have exactly one row.
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

export function txOptions(req: ApiRequest, readOnly: boolean, media: Media): TxOptions {
  return { readOnly, singular: media.singular, method: req.method, path: req.url.pathname }
}

/**
 * Runs one statement the way PostgREST does: in a transaction, as the role from the JWT
 * (`set_config('role', ...)`, so RLS and grants apply), with the claims available to policies as
 * `request.jwt.claims`.
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
    await client.query(
      `SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), ` +
        `set_config('request.method', $3, true), set_config('request.path', $4, true)`,
      [auth.role, JSON.stringify(auth.claims), tx.method, tx.path],
    )
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
