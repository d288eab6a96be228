/**
 * One Realtime WebSocket and what it holds: its joined channels, and the outbox that sends
 * postgres_changes messages in order, after the delay the `delayEvents` fault sets.
 */
import type { WebSocket } from 'ws'
import { encodeFrame, type Frame, type Vsn } from './protocol.js'
import type { Subscription } from './subscriptions.js'

export interface Channel {
  topic: string
  subTopic: string
  joinRef: string | null
  accessToken: string
  claims: Record<string, unknown>
  role: string
  /** The postgres_changes entries as the client sent them, with their ids. */
  entries: { raw: Record<string, unknown>; id: number }[]
  subscriptions: Subscription[]
  closed: boolean
  /** Joined, with its subscriptions held back by the `pauseSubscriptions` fault until it resumes. */
  awaitingSubscribe?: boolean
}

interface Outgoing {
  text: string
  due: number
}

export class Connection {
  readonly channels = new Map<string, Channel>()
  private outbox: Outgoing[] = []
  private timer: NodeJS.Timeout | undefined
  /** Frames are handled one after the other, as a Phoenix socket process does. */
  chain: Promise<void> = Promise.resolve()
  closed = false

  constructor(
    readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly tenantToken: string,
  ) {}

  send(frame: Frame): void {
    if (this.closed) return
    this.ws.send(encodeFrame(this.vsn, frame), () => {})
  }

  /** A postgres_changes message: after the configured delay, and never ahead of an earlier one. */
  sendEvent(frame: Frame, delayMs: number): void {
    if (this.closed) return
    const text = encodeFrame(this.vsn, frame)
    if (delayMs <= 0 && this.outbox.length === 0) {
      this.ws.send(text, () => {})
      return
    }
    this.outbox.push({ text, due: Date.now() + Math.max(0, delayMs) })
    this.schedule()
  }

  get delayed(): number {
    return this.outbox.length
  }

  private schedule(): void {
    if (this.timer || this.outbox.length === 0) return
    const wait = Math.max(0, this.outbox[0].due - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush(false)
    }, wait)
    this.timer.unref()
  }

  /** Sends what is due (or everything), in order. */
  flush(all: boolean): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    while (this.outbox.length && (all || this.outbox[0].due <= now)) {
      const { text } = this.outbox.shift()!
      if (!this.closed) this.ws.send(text, () => {})
    }
    this.schedule()
  }

  dispose(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.outbox = []
  }
}
