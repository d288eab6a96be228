/**
 * An alert's change of state, shared by every app instance: the alert store decides whether this
 * instance's observation fires, repeats or resolves it (one instance wins), and the winner logs it,
 * records it in the Sync events and queues its sends, one job per channel.
 */
import type { Payload } from 'payload'
import type { Logger } from 'pino'
import type { Alert, ResolvedOptions } from '../options.js'
import { alertOf, consoleLink } from './alert-message.js'
import type { AlertStore, Transition } from './alert-store.js'
import { alertChannels, alertTaskSlug } from './alert-task.js'

export type Rule = Alert['rule']

export interface AlertEvent {
  action: 'alert'
  collectionSlug: string
  outcome: 'firing' | 'resolved'
  summary: string
  details?: unknown
}

export interface AlertTransitionsDeps {
  payload: Payload
  store: AlertStore
  options: ResolvedOptions
  logger: Logger
  record: (event: AlertEvent) => Promise<void>
  /** Sends were queued: run the queue now rather than at its next turn. */
  queued: () => void
}

/** What one observation says about one alert. */
export interface Observation {
  rule: Rule
  collection?: string
  /** undefined: not known yet (no transition). */
  holds: boolean | undefined
  text: string
  counts?: Record<string, number>
  ids?: string[]
  /** When the observation began: a stale one (older than the last transition) changes nothing. */
  observedAt?: Date
  /**
   * An alert that holds while things keep being seen (ms): holding, the sighting is noted in the
   * alert's shared state; not holding, it resolves only once nothing was seen for this long — by
   * any instance, so that one which restarts or stops leaves nothing firing for ever.
   */
  quietFor?: number
}

export class AlertTransitions {
  constructor(private readonly deps: AlertTransitionsDeps) {}

  /** Fires or resolves one alert; the instance whose transition wins records and sends it. */
  async set(observation: Observation): Promise<void> {
    const { rule, collection, holds, text, counts, ids, quietFor } = observation
    const observedAt = observation.observedAt ?? new Date()
    const { store, options } = this.deps
    if (holds === undefined) return
    const key = collection ? `${rule}:${collection}` : rule
    let transition: Transition
    try {
      transition = holds
        ? await store.fire(key, text, { counts, ids }, options.alerts!.cooldown, observedAt)
        : await store.resolve(key, observedAt, quietFor)
      if (holds && quietFor !== undefined) await store.seen(key)
    } catch (err) {
      this.deps.logger.warn({ err, alert: key }, 'supabase-sync: could not update the alert state')
      return
    }
    if (!transition) return
    const alert = alertOf({
      rule,
      collection,
      key,
      text,
      transition,
      counts,
      ids,
      link: consoleLink(this.deps.payload.config),
    })
    const { state } = alert
    this.deps.logger[state === 'firing' ? 'error' : 'info'](
      { alert: key, state, op: 'alert' },
      alert.text,
    )
    await this.deps.record({
      action: 'alert',
      collectionSlug: collection ?? '*',
      outcome: state,
      summary: alert.text,
      details: alert,
    })
    for (const channel of alertChannels(options))
      await this.deps.payload.jobs.queue({
        task: alertTaskSlug,
        input: { alert, channel },
        queue: options.checks.queue,
      } as never)
    this.deps.queued()
  }
}
