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
import type { ApiResponse } from './context.js'
import type { ApiError } from './errors.js'
import type { FailNextOptions, Faults, ResetNextOptions, SocketFaults } from './fault-api.js'
import { failureResponse } from './failure-response.js'
import { normalisePath, take, type Rule } from './fault-rules.js'
import { HoldGroup, type HoldHandle, type HoldOptions } from './hold.js'

export type { FailNextOptions, Faults, ResetNextOptions, SocketFaults } from './fault-api.js'
export type { HoldHandle, HoldOptions, WhenGone } from './hold.js'

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
    return failureResponse(rule.options)
  }
}
