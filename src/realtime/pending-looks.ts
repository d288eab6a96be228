/**
 * What the watch keeps of a row it is to look at, when a second reason to look at it comes before the
 * first is handled. A look is a change event (dropped if it is an echo of the plugin's own write) or
 * a re-check (null: the row as it is now, compared with its document — never dropped). Pure.
 *
 * - A re-check covers any event: it reads the row after the event, and cannot be taken for an echo.
 *   An event kept instead could be: a check's request for a row, overridden by the plugin's own write
 *   still queued, was never looked at.
 * - Of two events, the newer — unless the incoming one is an older event coming back (a batch found
 *   busy or failed, tried again): an event that arrived meanwhile is newer. Before, the busy retry of
 *   the plugin's own write (its delivery not committed yet, so not an echo yet) replaced an edit made
 *   in Supabase meanwhile; once committed it was an echo and dropped, and the edit stayed.
 */
import type { TableChange } from '../supabase/realtime.js'

export type Look = TableChange | null

export function mergeLook(pending: Look | undefined, incoming: Look, retried: boolean): Look {
  if (pending === undefined) return incoming
  if (pending === null || incoming === null) return null
  return retried ? pending : incoming
}
