/** What an alert says when it fires, repeats or resolves, and where it links to. Pure. */
import type { Config } from 'payload'
import type { Alert } from '../options.js'
import type { Transition } from './alert-store.js'

export function alertOf(input: {
  rule: Alert['rule']
  collection: string | undefined
  /** The alert's key: the rule, and the collection when it has one. */
  key: string
  text: string
  transition: NonNullable<Transition>
  counts?: Record<string, number>
  ids?: string[]
  link?: string
}): Alert {
  const { transition, key, text } = input
  const state = transition.kind === 'resolved' ? 'resolved' : 'firing'
  const label =
    state === 'firing' ? (transition.kind === 'repeated' ? 'STILL FIRING' : 'FIRING') : 'RESOLVED'
  return {
    state,
    rule: input.rule,
    collection: input.collection,
    text: `[supabase-sync] ${label}: ${state === 'firing' ? text : `${key} (since ${transition.since})`}`,
    counts: input.counts,
    ids: input.ids?.slice(0, 20),
    link: input.link,
    since: transition.since,
    at: new Date().toISOString(),
  }
}

/** The console's address, when Payload knows its server URL. */
export function consoleLink(config: Pick<Config, 'serverURL' | 'routes'>): string | undefined {
  const { serverURL, routes } = config
  return serverURL ? `${serverURL}${routes?.admin ?? '/admin'}/supabase-sync` : undefined
}
