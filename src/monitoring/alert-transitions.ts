/**
 * An alert's change of state, shared by every app instance: the alert store decides whether this
 * instance's observation fires, repeats or resolves it (one instance wins), and the winner logs it,
 * records it in the Sync events and queues its sends, one job per channel.
 */
import {
  commitTransaction,
  createLocalReq,
  initTransaction,
  killTransaction,
  type Payload,
  type PayloadRequest,
} from 'payload'
import type { Logger } from 'pino'
import type { Alert, ResolvedOptions } from '../options.js'
import { alertOf, consoleLink } from './alert-message.js'
import type { AlertStore } from './alert-store.js'
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
  /** Records the event in `req`'s transaction (a failure throws: the transaction is void). */
  record: (event: AlertEvent, req: PayloadRequest) => Promise<void>
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
  /**
   * When the observation began: a stale one (older than the last transition) changes nothing;
   * undefined: just now, by the database's clock.
   */
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

  /**
   * Fires or resolves one alert; the instance whose transition wins records and sends it. The change
   * of state, its Sync event and its sends are one transaction: a send that could not be queued left
   * the alert fired and unsent until the cooldown, and now leaves it as it was, for the next
   * evaluation to try again.
   */
  async set(observation: Observation): Promise<void> {
    const { rule, collection, holds, text, counts, ids, quietFor } = observation
    const { observedAt } = observation
    const { payload, store, options } = this.deps
    if (holds === undefined) return
    const key = collection ? `${rule}:${collection}` : rule
    const req = await createLocalReq({}, payload)
    let alert: Alert | undefined
    try {
      await initTransaction(req)
      const transition = holds
        ? await store.fire(key, text, { counts, ids }, options.alerts!.cooldown, observedAt, req)
        : await store.resolve(key, observedAt, quietFor, req)
      if (holds && quietFor !== undefined) await store.seen(key, req)
      if (transition) {
        alert = alertOf({
          rule,
          collection,
          key,
          text,
          transition,
          counts,
          ids,
          link: consoleLink(payload.config),
        })
        await this.deps.record(
          {
            action: 'alert',
            collectionSlug: collection ?? '*',
            outcome: alert.state,
            summary: alert.text,
            details: alert,
          },
          req,
        )
        for (const channel of alertChannels(options))
          await payload.jobs.queue({
            task: alertTaskSlug,
            input: { alert, channel },
            queue: options.checks.queue,
            req,
          } as never)
      }
      await commitTransaction(req)
    } catch (err) {
      await killTransaction(req)
      this.deps.logger.warn(
        { err, alert: key },
        'supabase-sync: could not update the alert state (left as it was: the next observation tries again)',
      )
      return
    }
    if (!alert) return
    this.deps.logger[alert.state === 'firing' ? 'error' : 'info'](
      { alert: key, state: alert.state, op: 'alert' },
      alert.text,
    )
    this.deps.queued()
  }
}
