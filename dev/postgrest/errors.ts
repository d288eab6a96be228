/**
 * Errors as PostgREST reports them: a JSON body `{code, details, hint, message}` and an HTTP status
 * derived from the SQLSTATE (PostgREST's src/library/PostgREST/Error.hs, `mapSQLtoHTTP`).
 *
 * The mapping matters more than anything else in the stand-in: the plugin decides whether to retry
 * from the status and the code, so a wrong status here would hide a bug that shows only against a
 * real Supabase project.
 */

export interface ErrorBody {
  code: string
  details: string | null
  hint: string | null
  message: string
}

/** An error that ends a request with a PostgREST-shaped JSON body. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: string | null
  readonly hint: string | null
  readonly headers: Record<string, string>

  constructor(
    status: number,
    code: string,
    message: string,
    details: string | null = null,
    hint: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.hint = hint
    this.headers = headers
  }

  body(): ErrorBody {
    // Aeson writes object keys in sorted order; keep the same order so bodies compare byte for byte.
    return { code: this.code, details: this.details, hint: this.hint, message: this.message }
  }
}

/**
 * HTTP status for a PostgreSQL SQLSTATE, as PostgREST maps it.
 * `authed` is false for the anonymous role: PostgREST answers 401 instead of 403 to a 42501 then,
 * telling the client that a key with more rights could succeed.
 */
export function sqlStateStatus(sqlState: string, message: string, authed: boolean): number {
  const c = sqlState
  if (c.startsWith('08')) return 503 // connection exception
  if (c.startsWith('09')) return 500 // triggered action exception
  if (c.startsWith('0L')) return 403 // invalid grantor
  if (c.startsWith('0P')) return 403 // invalid role specification
  if (c === '23503') return 409 // foreign_key_violation
  if (c === '23505') return 409 // unique_violation
  if (c === '25006') return 405 // read_only_sql_transaction
  if (c === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500 // pg-safeupdate vs cardinality
  if (c === '22023')
    return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400
  if (c.startsWith('25')) return 500 // invalid transaction state
  if (c.startsWith('28')) return 403 // invalid authorization specification
  if (c.startsWith('2D')) return 500 // invalid transaction termination
  if (c.startsWith('38')) return 500 // external routine exception
  if (c.startsWith('39')) return 500 // external routine invocation
  if (c.startsWith('3B')) return 500 // savepoint exception
  if (c.startsWith('40')) return 500 // transaction rollback (serialization failure, deadlock)
  if (c === '53400') return 500 // configuration limit exceeded
  if (c.startsWith('53')) return 503 // insufficient resources
  if (c.startsWith('54')) return 500 // program limit exceeded
  if (c.startsWith('55')) return 500 // object not in prerequisite state
  if (c === '57P01') return 503 // admin shutdown
  if (c.startsWith('57')) return 500 // operator intervention
  if (c.startsWith('58')) return 500 // system error
  if (c.startsWith('F0')) return 500 // configuration file error
  if (c.startsWith('HV')) return 500 // foreign data wrapper error
  if (c === 'P0001') return 400 // default SQLSTATE of RAISE EXCEPTION
  if (c.startsWith('P0')) return 500 // other PL/pgSQL errors
  if (c.startsWith('XX')) return 500 // internal error
  if (c === '42883') return message.startsWith('function xmlagg(') ? 406 : 404 // undefined function
  if (c === '42P01') return 404 // undefined table
  if (c === '42P17') return 500 // infinite recursion (RLS policies)
  if (c === '42501') return authed ? 403 : 401 // insufficient privilege
  if (c.startsWith('PT')) {
    // `raise sqlstate 'PT404'` lets a function choose its HTTP status.
    const n = Number(c.slice(2))
    return Number.isInteger(n) && n >= 100 && n <= 599 ? n : 500
  }
  return 400
}

/** The shape of an error thrown by node-pg for a server-side error. */
interface PgServerError {
  code: string
  message: string
  detail?: string
  hint?: string
}

function isPgServerError(error: unknown): error is PgServerError {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  // SQLSTATEs are exactly five characters; Node's own errors have codes like ECONNREFUSED.
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string'
}

/**
 * Converts whatever the database layer threw into an ApiError.
 * Errors without a SQLSTATE are connection problems: PostgREST answers those with 503 (or 504 when
 * the pool could not hand out a connection in time), which clients treat as transient.
 */
export function toApiError(error: unknown, authed: boolean): ApiError {
  if (error instanceof ApiError) return error
  if (isPgServerError(error)) {
    const status = sqlStateStatus(error.code, error.message, authed)
    const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}
    return new ApiError(
      status,
      error.code,
      error.message,
      error.detail ?? null,
      error.hint ?? null,
      headers,
    )
  }
  const message = error instanceof Error ? error.message : String(error)
  if (/timeout exceeded when trying to connect/i.test(message)) {
    return new ApiError(504, 'PGRST003', 'Timed out acquiring connection from connection pool.')
  }
  if (
    /Connection terminated|ECONNRESET|EPIPE|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new ApiError(503, 'PGRST001', 'Database client error. Retrying the connection.', message)
  }
  return new ApiError(503, 'PGRST000', 'Database connection error.', message)
}

// PostgREST's own request errors, with its exact codes and messages.

export function queryParamError(message: string, details: string): ApiError {
  return new ApiError(400, 'PGRST100', message, details)
}

export function invalidBody(message: string): ApiError {
  return new ApiError(400, 'PGRST102', message)
}

export function columnNotFound(table: string, column: string): ApiError {
  return new ApiError(
    400,
    'PGRST204',
    `Could not find the '${column}' column of '${table}' in the schema cache`,
  )
}

export function tableNotFound(schema: string, table: string, suggestion: string | null): ApiError {
  return new ApiError(
    404,
    'PGRST205',
    `Could not find the table '${schema}.${table}' in the schema cache`,
    null,
    suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null,
  )
}

export function notImplemented(details: string): ApiError {
  return new ApiError(400, 'PGRST127', 'Feature not implemented', details)
}

export function invalidPath(): ApiError {
  return new ApiError(404, 'PGRST125', 'Invalid path specified in request URL')
}
