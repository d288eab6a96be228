/**
 * The faults a test sets on the stand-in (`server.faults`, `stack.faults`): what each does, and its
 * options. FaultState (faults.ts) implements them.
 */
import type { HoldHandle, HoldOptions } from './hold.js'
import type { GatewayBody } from './gateway.js'

export interface FailNextOptions {
  /** Seconds for the Retry-After header; 429 answers always carry one (1 s by default). */
  retryAfter?: number
  /** `code` of the error body; by default the PostgREST code for that status, if it has one. */
  code?: string
  message?: string
  /** Only requests on this resource count: a table name (`dealers`) or `rpc/<fn>`. */
  path?: string
  /** Answer as the platform (`json`: 402, 540) or a CDN (`html`: 52x) does, without PostgREST's body. */
  gateway?: GatewayBody
}

export interface ResetNextOptions {
  /** Only requests on this resource count: a table name or `rpc/<fn>`. */
  path?: string
  /**
   * Serve the request (the write is committed) and reset the connection instead of answering:
   * the client sees a network error for a change that did land, the case idempotent retries exist for.
   */
  afterHandling?: boolean
}

export interface Faults {
  /** Answers the next `count` requests (on `opts.path`, if given) with `status` and a PostgREST-shaped error body. */
  failNext(count: number, status?: number, opts?: FailNextOptions): void
  /**
   * Delays every response by `ms`, or by a random time in [min, max]; 0 turns it off (for requests
   * arriving later). The delay comes before the request is handled: one whose client gives up
   * meanwhile (a timeout) is still handled when it ends, as PostgREST handles it — a late write.
   */
  latency(ms: number | [number, number]): void
  /** Destroys the socket of the next `count` requests instead of answering (the client sees a network error). */
  resetNext(count: number, opts?: ResetNextOptions): void
  /** Holds the next matching request(s) until `release()` (or clear()), before or after handling them. */
  hold(opts?: HoldOptions): HoldHandle
  /**
   * Realtime: destroys every open Realtime WebSocket without a close frame, as a network drop would
   * (the client sees close code 1006 and reconnects and rejoins by itself). Returns how many there were.
   */
  dropSockets(): number
  /**
   * Realtime: postgres_changes messages are sent `ms` after they would have been (still in order);
   * 0 turns it off for later messages. clear() turns it off and sends the held messages at once.
   */
  delayEvents(ms: number): void
  /**
   * Realtime: drops every postgres_changes subscription, without a rejoin, until `resume()`, which
   * subscribes the channels again and sends each a new `system` ok — Supabase on a publication
   * change or a CDC restart. Changes committed meanwhile are never sent. clear() resumes too.
   */
  pauseSubscriptions(): { resume(): Promise<void> }
  /**
   * Realtime: ends every channel from the server's side — a `system` error, then `phx_close` — as
   * Supabase does when its token re-check fails. realtime-js does not rejoin such a channel.
   */
  closeChannels(message?: string): number
  /**
   * Stops listening and destroys open connections (Realtime WebSockets too): new connections are
   * refused (ECONNREFUSED). PostgREST itself is down: a request it held or delayed dies with it,
   * never served (one whose statement already runs finishes, as the database would not notice at once).
   */
  down(): Promise<void>
  /** Listens again, on the same port. */
  up(): Promise<void>
  /**
   * Removes every fault, releases held requests, ends pending latencies, ends delayEvents (sending
   * the messages it held) and paused subscriptions, and brings the server up if it was down. Requests that arrived before are
   * served without any fault set afterwards.
   */
  clear(): Promise<void>
  readonly isDown: boolean
}

/** The WebSocket side of the faults (dev/realtime/server.ts), when Realtime is attached. */
export interface SocketFaults {
  dropSockets(): number
  delayEvents(ms: number): void
  pauseSubscriptions(): { resume(): Promise<void> }
  closeChannels(message?: string): number
  /** Ends delayEvents and sends what it holds. */
  clearFaults(): void
}
