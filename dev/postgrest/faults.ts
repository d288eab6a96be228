/**
 * Fault injection for tests: the failures a client of Supabase meets in production (a gateway
 * answering 503 or 429, slow responses, connections reset mid-request, the service unreachable),
 * on demand and deterministic; and `hold`, which parks requests so that a test can interleave them
 * in the order it wants instead of racing timers (hold.ts). With Realtime attached, `dropSockets` and
 * `delayEvents` do the same for its WebSockets (dev/realtime/server.ts implements them).
 *
 * A request whose client gives up during a latency or a hold is still served, as PostgREST serves it
 * (hold.ts says where that is documented): its write commits though nobody reads the answer.
 *
 * Faults apply to the requests that arrive after they are set and before the next clear(): a request
 * still in flight from an earlier test (a client that gave up during a latency) can never take a
 * fault meant for the next one.
 */
import { STATUS_CODES } from 'node:http'
import type { ApiResponse } from './context.js'
import { ApiError } from './errors.js'
import { gatewayResponse, type GatewayBody } from './gateway.js'
import { HoldGroup, type HoldHandle, type HoldOptions } from './hold.js'

export type { HoldHandle, HoldOptions, WhenGone } from './hold.js'

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

interface Rule<T> {
  remaining: number
  path?: string
  method?: string
  options: T
}

/** Normalises `/rest/v1/dealers`, `dealers`, `/dealers` to `dealers`. */
function normalisePath(path: string | undefined): string | undefined {
  return path?.replace(/^\/+/, '').replace(/^rest\/v1\//, '')
}

function take<T>(rules: Rule<T>[], resource: string, method = ''): Rule<T> | undefined {
  const rule = rules.find(
    (r) =>
      r.remaining > 0 &&
      (r.path === undefined || r.path === resource) &&
      (r.method === undefined || r.method === method),
  )
  if (!rule) return undefined
  rule.remaining--
  if (rule.remaining === 0) rules.splice(rules.indexOf(rule), 1)
  return rule
}

const DEFAULT_BODIES: Record<number, { code: string; message: string }> = {
  500: { code: 'XX000', message: 'Internal Server Error' },
  503: { code: 'PGRST000', message: 'Database connection error.' },
  504: { code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.' },
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

/** What one request took from the fault state when it arrived. */
export interface Admission {
  /** The clear() generation the request arrived in. */
  generation: number
}

/** The fault state of one server; `down`/`up` are the server's to implement. */
export class FaultState implements Faults {
  private failures: Rule<{ status: number } & FailNextOptions>[] = []
  private resets: Rule<ResetNextOptions>[] = []
  private holds: Rule<HoldGroup>[] = []
  private groups = new Set<HoldGroup>()
  private delay: [number, number] = [0, 0]
  private sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>()
  private generation = 0

  constructor(
    private readonly listener: {
      down(): Promise<void>
      up(): Promise<void>
      readonly isDown: boolean
    },
    private readonly sockets?: SocketFaults,
  ) {}

  get isDown(): boolean {
    return this.listener.isDown
  }

  failNext(count: number, status = 503, opts: FailNextOptions = {}): void {
    if (count > 0)
      this.failures.push({
        remaining: count,
        path: normalisePath(opts.path),
        options: { ...opts, status },
      })
  }

  latency(ms: number | [number, number]): void {
    this.delay = typeof ms === 'number' ? [ms, ms] : [Math.min(...ms), Math.max(...ms)]
  }

  resetNext(count: number, opts: ResetNextOptions = {}): void {
    if (count > 0)
      this.resets.push({ remaining: count, path: normalisePath(opts.path), options: opts })
  }

  hold(opts: HoldOptions = {}): HoldHandle {
    const group = new HoldGroup(opts.afterHandling ?? false, opts.whenGone ?? 'serve')
    const rule: Rule<HoldGroup> = {
      remaining: opts.count ?? 1,
      path: normalisePath(opts.path),
      method: opts.method?.toUpperCase(),
      options: group,
    }
    if (rule.remaining > 0) this.holds.push(rule)
    this.groups.add(group)
    return {
      arrived: group.arrived,
      handled: group.handled,
      held: () => group.held(),
      release: () => {
        // Later matching requests pass: the hold is over.
        const i = this.holds.indexOf(rule)
        if (i >= 0) this.holds.splice(i, 1)
        group.release()
        this.groups.delete(group)
      },
    }
  }

  dropSockets(): number {
    return this.sockets?.dropSockets() ?? 0
  }

  delayEvents(ms: number): void {
    this.sockets?.delayEvents(ms)
  }

  pauseSubscriptions(): { resume(): Promise<void> } {
    return this.sockets?.pauseSubscriptions() ?? { resume: async () => {} }
  }

  closeChannels(message?: string): number {
    return this.sockets?.closeChannels(message) ?? 0
  }

  down(): Promise<void> {
    return this.listener.down()
  }

  up(): Promise<void> {
    return this.listener.up()
  }

  async clear(): Promise<void> {
    this.dispose()
    await this.listener.up()
  }

  /** clear() without bringing the server up: for close(), so nothing keeps the process alive. */
  dispose(): void {
    this.generation++
    this.failures = []
    this.resets = []
    this.holds = []
    this.delay = [0, 0]
    for (const group of this.groups) group.release()
    this.groups.clear()
    for (const sleeper of this.sleeping) {
      clearTimeout(sleeper.timer)
      sleeper.wake()
    }
    this.sleeping.clear()
    this.sockets?.clearFaults()
  }

  /** Registers a request that has just arrived. */
  admit(): Admission {
    return { generation: this.generation }
  }

  private current(admission: Admission): boolean {
    return admission.generation === this.generation
  }

  /** Waits for the configured latency; clear() ends the wait early. */
  async wait(): Promise<void> {
    const [min, max] = this.delay
    const ms = min + Math.random() * (max - min)
    if (ms <= 0) return
    await new Promise<void>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleeping.delete(sleeper)
          resolve()
        }, ms),
        wake: resolve,
      }
      this.sleeping.add(sleeper)
    })
  }

  /** The hold this request falls under, if any (taken when it arrives, in arrival order). */
  takeHold(admission: Admission, resource: string, method: string): HoldGroup | undefined {
    return this.current(admission) ? take(this.holds, resource, method)?.options : undefined
  }

  takeReset(admission: Admission, resource: string): ResetNextOptions | undefined {
    return this.current(admission) ? take(this.resets, resource)?.options : undefined
  }

  /** The error to answer with, if a failure is pending for this resource. */
  takeFailure(admission: Admission, resource: string): ApiError | ApiResponse | undefined {
    const rule = this.current(admission) ? take(this.failures, resource) : undefined
    if (!rule) return undefined
    const { status, retryAfter, code, message, gateway } = rule.options
    if (gateway)
      return gatewayResponse(
        status,
        gateway,
        message,
        retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
      )
    const defaults = DEFAULT_BODIES[status] ?? {
      code: String(status),
      message: STATUS_CODES[status] ?? 'Error',
    }
    const headers: Record<string, string> = {}
    if (retryAfter !== undefined || status === 429) headers['Retry-After'] = String(retryAfter ?? 1)
    return new ApiError(
      status,
      code ?? defaults.code,
      message ?? defaults.message,
      null,
      null,
      headers,
    )
  }
}
