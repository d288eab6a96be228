/**
 * Typed errors of the plugin. Each carries what an operator needs to act: the collection, the
 * document id, the operation and the underlying cause, and whether trying again can help.
 */

export type SyncOperation =
  | 'map'
  | 'upsert'
  | 'delete'
  | 'read'
  | 'load'
  /** The delivery's bookkeeping in Payload's database (after Supabase was written). */
  | 'commit'
  | 'reconcile'
  | 'validate'
  | 'sync'
  | 'pull'
  | 'reset'
  | 'retry'
  | 'config'

/**
 * What a failure means for delivery (see supabase/classify.ts): `transient` is tried again until it
 * passes, `endpoint` pauses delivery as a whole, `conflict` is tried again a bounded number of times,
 * `row` waits for the document or the mapper to change.
 */
export type FailureKind = 'transient' | 'endpoint' | 'conflict' | 'row'

export interface SyncErrorDetails {
  collection?: string
  id?: string
  operation: SyncOperation
  /** A field or column name when one is to blame (a failed zod check, an unmappable field). */
  field?: string
  /** HTTP status from Supabase (0 for a network failure). */
  status?: number
  /** PostgREST / PostgreSQL error code (e.g. 23505, PGRST204). */
  code?: string
  /** Transient failures are worth retrying; permanent ones need a person. Derived from `kind` when given. */
  transient?: boolean
  kind?: FailureKind
  cause?: unknown
}

export class SyncError extends Error {
  readonly collection?: string
  readonly id?: string
  readonly operation: SyncOperation
  readonly field?: string
  readonly status?: number
  readonly code?: string
  readonly transient: boolean
  readonly kind: FailureKind

  constructor(message: string, details: SyncErrorDetails) {
    super(message, { cause: details.cause })
    this.name = new.target.name
    this.collection = details.collection
    this.id = details.id
    this.operation = details.operation
    this.field = details.field
    this.status = details.status
    this.code = details.code
    this.kind = details.kind ?? (details.transient ? 'transient' : 'row')
    this.transient = this.kind === 'transient'
  }

  /** The fields worth a log line, without the cause's stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      collection: this.collection,
      id: this.id,
      operation: this.operation,
      field: this.field,
      status: this.status,
      code: this.code,
      transient: this.transient,
      kind: this.kind,
    }
  }
}

/** A document that cannot become a valid row: the mapper threw or the row failed its schema. Never transient. */
export class MappingError extends SyncError {
  constructor(
    message: string,
    details: Omit<SyncErrorDetails, 'operation' | 'transient'> & { operation?: SyncOperation },
  ) {
    super(message, { operation: 'map', ...details, kind: 'row' })
  }
}

/** Supabase refused or could not be reached. */
export class TargetError extends SyncError {}

/** An option of the plugin is wrong; raised while the Payload config is built. */
export class ConfigError extends SyncError {
  constructor(message: string, field?: string) {
    super(message, { operation: 'config', field, kind: 'row' })
    // A config error is about the config, not about this code: whoever prints it shows one line.
    this.stack = `${this.name}: ${message}`
  }
}

/** Refused to delete more rows than the guard allows. */
export class MassDeleteError extends SyncError {
  readonly wouldDelete: number
  readonly tableRows: number
  constructor(collection: string, wouldDelete: number, tableRows: number, maxFraction: number) {
    super(
      `supabase-sync: refusing to delete ${wouldDelete} of ${tableRows} rows of collection "${collection}" ` +
        `(more than ${Math.round(maxFraction * 100)}% of the table); pass force: true (or --yes / ?force=true) if this is intended`,
      { collection, operation: 'reconcile', kind: 'row' },
    )
    this.wouldDelete = wouldDelete
    this.tableRows = tableRows
  }
}

/** A request's parameter is wrong: named, so that the caller can fix it. */
export class InputError extends SyncError {
  constructor(message: string, field: string) {
    super(message, { operation: 'config', field, kind: 'row' })
  }
}

/** The same operation already runs for this collection (in this or another app instance). */
export class BusyError extends SyncError {
  constructor(operation: SyncOperation, collection: string) {
    super(
      `supabase-sync: a ${operation} of "${collection}" is already running; try again when it is done`,
      { collection, operation, kind: 'transient' },
    )
  }
}

/**
 * The startup catch-up of the 'pull' policy left rows edited in Supabase while no instance watched
 * unpulled (being delivered, or a pull failed for a passing reason): tried again, with the startup
 * reconcile after it — which would write Payload's values over them if it ran now.
 */
export class CatchUpLeftError extends SyncError {
  constructor(
    collection: string,
    readonly ids: readonly string[],
  ) {
    super(
      `supabase-sync: ${ids.length} row(s) of "${collection}" edited in Supabase while no instance watched are not pulled yet (being delivered, or the pull failed for a passing reason)`,
      { collection, id: ids[0], operation: 'pull', kind: 'transient' },
    )
  }
}

/**
 * A cause described for people: its message's first line, without what a database driver appends
 * (Drizzle's "Failed query: <SQL> params: …" is replaced by the database's own message and SQLSTATE),
 * and without stack frames.
 */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause).split('\n')[0]
  const inner = (cause as { cause?: unknown }).cause
  const code = (cause as { code?: unknown }).code ?? (inner as { code?: unknown } | undefined)?.code
  if (/^Failed query/.test(cause.message)) {
    const message = inner instanceof Error ? inner.message.split('\n')[0] : 'database error'
    return `database error${typeof code === 'string' ? ` ${code}` : ''}: ${message}`
  }
  return cause.message.split('\n')[0]
}

/**
 * The SQLSTATE of an error from Payload's database, on it or on what it wraps (Drizzle's "Failed
 * query" carries pg's error as its cause); a code that is no SQLSTATE (a socket's `ECONNRESET`) is
 * passed over.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** A run stopped on request (Ctrl-C, Cancel) between two pages: what was done is done, nothing half. */
export class CancelledError extends SyncError {
  constructor(
    operation: SyncOperation,
    collection: string,
    readonly progress: {
      documents: number
      total: number
      rows: number
      differences: number
      /** Rows without documents deleted before the cancel came (a sync or reset). */
      deleted?: number
    },
  ) {
    super(
      `supabase-sync: ${operation} of "${collection}" cancelled after ${progress.documents} of ${progress.total} documents`,
      { collection, operation, kind: 'row' },
    )
  }
}

/**
 * An operation that lost its lock in Payload's database (the server ended the lock's session, the
 * network went) stops between pages as a cancelled one does: another run could now start beside it.
 */
export class LockLostError extends SyncError {
  constructor(
    operation: SyncOperation,
    collection: string,
    readonly progress: { documents: number; total: number; rows: number; differences: number },
    cause: unknown,
  ) {
    super(
      `supabase-sync: ${operation} of "${collection}" stopped after ${progress.documents} of ${progress.total} documents: its lock in Payload's database was lost (${describeCause(cause)}); run it again`,
      { collection, operation, kind: 'transient', cause },
    )
  }
}
