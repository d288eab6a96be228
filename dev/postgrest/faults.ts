/**
 * Fault injection for tests: the failures a client of Supabase meets in production (a gateway
 * answering 503 or 429, slow responses, connections reset mid-request, the service unreachable),
 * on demand and deterministic.
 */
import { STATUS_CODES } from 'node:http'
import { ApiError } from './errors.js'

export interface FailNextOptions {
  /** Seconds for the Retry-After header; 429 answers always carry one (1 s by default). */
  retryAfter?: number
  /** `code` of the error body; by default the PostgREST code for that status, if it has one. */
  code?: string
  message?: string
  /** Only requests on this resource count: a table name (`dealers`) or `rpc/<fn>`. */
  path?: string
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
  /** Delays every response by `ms`, or by a random time in [min, max]; 0 turns it off. */
  latency(ms: number | [number, number]): void
  /** Destroys the socket of the next `count` requests instead of answering (the client sees a network error). */
  resetNext(count: number, opts?: ResetNextOptions): void
  /** Stops listening and destroys open connections: new connections are refused (ECONNREFUSED). */
  down(): Promise<void>
  /** Listens again, on the same port. */
  up(): Promise<void>
  /** Removes every fault and brings the server up if it was down. */
  clear(): Promise<void>
  readonly isDown: boolean
}

interface Rule<T> {
  remaining: number
  path?: string
  options: T
}

/** Normalises `/rest/v1/dealers`, `dealers`, `/dealers` to `dealers`. */
function normalisePath(path: string | undefined): string | undefined {
  return path?.replace(/^\/+/, '').replace(/^rest\/v1\//, '')
}

function take<T>(rules: Rule<T>[], resource: string): Rule<T> | undefined {
  const rule = rules.find((r) => r.remaining > 0 && (r.path === undefined || r.path === resource))
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

/** The fault state of one server; `down`/`up` are the server's to implement. */
export class FaultState implements Faults {
  private failures: Rule<{ status: number } & FailNextOptions>[] = []
  private resets: Rule<ResetNextOptions>[] = []
  private delay: [number, number] = [0, 0]

  constructor(
    private readonly listener: { down(): Promise<void>; up(): Promise<void>; readonly isDown: boolean },
  ) {}

  get isDown(): boolean {
    return this.listener.isDown
  }

  failNext(count: number, status = 503, opts: FailNextOptions = {}): void {
    if (count > 0) this.failures.push({ remaining: count, path: normalisePath(opts.path), options: { ...opts, status } })
  }

  latency(ms: number | [number, number]): void {
    this.delay = typeof ms === 'number' ? [ms, ms] : [Math.min(...ms), Math.max(...ms)]
  }

  resetNext(count: number, opts: ResetNextOptions = {}): void {
    if (count > 0) this.resets.push({ remaining: count, path: normalisePath(opts.path), options: opts })
  }

  down(): Promise<void> {
    return this.listener.down()
  }

  up(): Promise<void> {
    return this.listener.up()
  }

  async clear(): Promise<void> {
    this.failures = []
    this.resets = []
    this.delay = [0, 0]
    await this.listener.up()
  }

  /** Waits for the configured latency. */
  async wait(): Promise<void> {
    const [min, max] = this.delay
    const ms = min + Math.random() * (max - min)
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
  }

  takeReset(resource: string): ResetNextOptions | undefined {
    return take(this.resets, resource)?.options
  }

  /** The error to answer with, if a failure is pending for this resource. */
  takeFailure(resource: string): ApiError | undefined {
    const rule = take(this.failures, resource)
    if (!rule) return undefined
    const { status, retryAfter, code, message } = rule.options
    const defaults = DEFAULT_BODIES[status] ?? { code: String(status), message: STATUS_CODES[status] ?? 'Error' }
    const headers: Record<string, string> = {}
    if (retryAfter !== undefined || status === 429) headers['Retry-After'] = String(retryAfter ?? 1)
    return new ApiError(status, code ?? defaults.code, message ?? defaults.message, null, null, headers)
  }
}
