/**
 * What the watch keeps of a row it is to look at, when a second reason to look at it comes before the
 * first is handled. A look is a change event (dropped if it is an echo of the plugin's own write) or
 * a re-check (the row as it is now, compared with its document — never dropped), which says why: found
 * by the check after a gap in the stream (`gap`), or looked at again (`recheck`: a row a pull's save
 * left, the old key of a changed key, a change sent without its row). The catch it leads to says so.
 * Pure.
 *
 * - A re-check covers any event: it reads the row after the event, and cannot be taken for an echo.
 *   An event kept instead could be: a check's request for a row, overridden by the plugin's own write
 *   still queued, was never looked at.
 * - Of two events (or two re-checks), the newer — unless the incoming one is an older one coming back
 *   (a batch found busy or failed, tried again): one that arrived meanwhile is newer. Before, the busy
 *   retry of the plugin's own write (its delivery not committed yet, so not an echo yet) replaced an
 *   edit made in Supabase meanwhile; once committed it was an echo and dropped, and the edit stayed.
 */
import type { TableChange } from '../supabase/realtime.js'

/** A re-check, by why the row is looked at as it is now. */
export type Recheck = 'gap' | 'recheck'

export type Look = TableChange | Recheck

export function isRecheck(look: Look): look is Recheck {
  return typeof look === 'string'
}

export function mergeLook(pending: Look | undefined, incoming: Look, retried: boolean): Look {
  if (pending === undefined) return incoming
  if (isRecheck(pending) !== isRecheck(incoming)) return isRecheck(pending) ? pending : incoming
  return retried ? pending : incoming
}
