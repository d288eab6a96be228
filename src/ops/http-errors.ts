/**
 * How the endpoints answer a refusal or a failure: as Payload's own errors, with a message written for
 * the client — what went wrong and where to look, never SQL, stacks or keys.
 */
import { APIError } from 'payload'
import { BusyError, describeCause, InputError, MassDeleteError, SyncError } from '../errors.js'
import type { SyncRuntime } from '../lifecycle/runtime.js'
import { scrub } from '../log.js'

/**
 * A refusal or failure as Payload's own APIError: Payload answers it as it answers its own errors,
 * `{ "errors": [{ "message", "data" }] }`. Every message here is written for the client (public).
 */
export const refuse = (
  status: number,
  message: string,
  data: Record<string, unknown> | null = null,
): never => {
  throw new APIError(message, status, data, true)
}

function secretsOf(runtime: SyncRuntime): string[] {
  const supabase = runtime.options.supabase
  return supabase && 'serviceRoleKey' in supabase ? [supabase.serviceRoleKey] : []
}

/** What the client is told about a failure: enough to act on, nothing more. */
export function publicFailure(
  error: unknown,
  runtime: SyncRuntime,
): { status: number; message: string } {
  const secrets = secretsOf(runtime)
  if (error instanceof InputError) return { status: 400, message: error.message }
  if (error instanceof BusyError || error instanceof MassDeleteError)
    return { status: 409, message: scrub(error.message, secrets) }
  if (error instanceof SyncError) {
    const status =
      error.kind === 'row' || error.kind === 'conflict'
        ? 400
        : error.kind === 'endpoint'
          ? 502
          : 503
    return { status, message: scrub(describeCause(error), secrets) }
  }
  return { status: 500, message: 'internal error' }
}
