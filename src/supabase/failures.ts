/**
 * Supabase's failures as the plugin's errors: named for the collection and the document, classified
 * (supabase/classify.ts), and without what does not belong in a message (supabase-js puts a network
 * error's stack into `details`).
 */
import { describeCause, TargetError } from '../errors.js'
import { classifyFailure, platformRefusal } from './classify.js'
import { sqlStateStatus } from './sqlstate.js'
import type { TableSpec } from './spec.js'

export const applyFunction = 'supabase_sync_apply'

export interface PostgrestFailure {
  message: string
  code?: string | null
  details?: string | null
  hint?: string | null
}

/** A message is stored with each job of the batch and logged per document: bounded. */
const maxDetail = 1000

/**
 * A gateway's or CDN's HTML error page (a Cloudflare 52x), which supabase-js gives as the message
 * whole: several KB in every job of the batch and on every log line. Its title says what it is.
 */
function pageTitle(message: string, code: string | undefined): string {
  if (code || !/^\s*</.test(message)) return message
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(message)?.[1]?.replace(/\s+/g, ' ').trim()
  return title ? `an HTML page: ${title}` : 'an HTML page'
}

export function failureError(
  spec: TableSpec,
  operation: 'upsert' | 'delete' | 'read',
  failure: PostgrestFailure,
  status: number,
  rows: number,
  id?: string,
): TargetError {
  const code = failure.code ?? undefined
  const effectiveStatus =
    status ||
    (code && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('PGRST') ? sqlStateStatus(code) : 0)
  const shown = pageTitle(failure.message, code)
  const detail = [shown, failure.details, failure.hint]
    .filter(Boolean)
    // supabase-js puts a network error's stack into `details`: frames are for logs, not messages.
    .map((part) =>
      String(part)
        .split('\n')
        .filter((line) => !/^\s+at /.test(line))
        .join(' ')
        .trim(),
    )
    .filter((part, i, all) => part && all.indexOf(part) === i)
    .join(' — ')
    .slice(0, maxDetail)
  const where = id ? `${spec.collection} ${id}` : `${spec.collection} (table ${spec.table})`
  let message = `${where}: ${operation} failed${status === 0 && !code ? '' : ` (${effectiveStatus}${code ? ` ${code}` : ''})`}: ${detail}`
  const refusal = platformRefusal(effectiveStatus, code)
  if (refusal)
    message = `${where}: ${operation} failed (${effectiveStatus}${code ? ` ${code}` : ''}): ${refusal} — ${detail}`
  if (status === 404 && (code === 'PGRST202' || code === '42883')) {
    message = `${spec.collection}: the function public.${applyFunction} is missing in Supabase: apply sql/002_sync_apply.sql (or set writeMode: 'upsert', without the stale-write guard) — ${detail}`
  }
  return new TargetError(message, {
    collection: spec.collection,
    id,
    operation,
    status: effectiveStatus,
    code,
    kind: classifyFailure({ status: effectiveStatus, code, rows }),
    // Logged with the error (pino names the causes): not the page either.
    cause: shown === failure.message ? failure : { ...failure, message: shown },
  })
}

/** The same failure, named for one document of the batch. */
export function forDocument(
  spec: TableSpec,
  id: string,
  operation: 'upsert' | 'delete',
  error: unknown,
): TargetError {
  if (error instanceof TargetError) {
    return new TargetError(`${spec.collection} ${id}: ${error.message.replace(/^[^:]*: /, '')}`, {
      collection: spec.collection,
      id,
      operation,
      status: error.status,
      code: error.code,
      kind: error.kind,
      cause: error.cause,
    })
  }
  return new TargetError(`${spec.collection} ${id}: ${operation} failed: ${describeCause(error)}`, {
    collection: spec.collection,
    id,
    operation,
    status: 0,
    kind: 'transient',
    cause: error,
  })
}
