/**
 * The supabase-js client the plugin writes with: the service-role key, no session, and a fetch that
 * records `Retry-After` for the retry loop (supabase/target.ts) and counts requests by outcome.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { parseRetryAfter } from './classify.js'

/**
 * Retry-After seen by an attempt, keyed by the attempt's abort signal (every request passes it to
 * fetch): set by our fetch, read by the retry loop. Not an AsyncLocalStorage: that turns on promise
 * hooks for the whole process, a cost every promise of the host app would pay.
 */
const attempts = new WeakMap<AbortSignal, { retryAfterMs?: number }>()

/** An attempt's signal, registered so that our fetch can tell its retry loop of a Retry-After. */
export function attemptSignal(timeoutMs: number): {
  signal: AbortSignal
  retryAfterMs(): number | undefined
} {
  const signal = AbortSignal.timeout(timeoutMs)
  const seen: { retryAfterMs?: number } = {}
  attempts.set(signal, seen)
  return { signal, retryAfterMs: () => seen.retryAfterMs }
}

/** The Node 20 WebSocket transport supabase-js needs for realtime (createClient checks for it). */
async function realtimeTransport(): Promise<{ transport?: unknown }> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return {}
  const { default: ws } = await import('ws')
  return { transport: ws }
}

/** Told of every request the client makes: method, HTTP status (0: no response), duration. */
export type RequestObserver = (method: string, status: number, ms: number) => void

export async function createServiceClient(
  url: string,
  serviceRoleKey: string,
  onRequest?: RequestObserver,
): Promise<SupabaseClient> {
  const fetchWithRetryAfter: typeof fetch = async (input, init) => {
    const started = performance.now()
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    let response: Response
    try {
      response = await fetch(input, init)
    } catch (error) {
      onRequest?.(method, 0, performance.now() - started)
      throw error
    }
    onRequest?.(method, response.status, performance.now() - started)
    const seen = init?.signal ? attempts.get(init.signal) : undefined
    if (seen && (response.status === 429 || response.status === 503)) {
      seen.retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    }
    return response
  }
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: {
      fetch: fetchWithRetryAfter,
      headers: { 'x-client-info': 'payload-plugin-supabase-sync' },
    },
    realtime: (await realtimeTransport()) as never,
  })
}
