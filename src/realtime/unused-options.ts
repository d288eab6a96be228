/**
 * Realtime options that take no effect: a collection's `onExternalChange` while its table is not
 * watched (realtime off globally and for it, or `realtime: false` on it), or global realtime options
 * while no collection is watched. Accepted, not refused — `realtime: process.env.… === '1'` turns the
 * watch off on purpose in some environments — but said at startup: a team that set `pull` and sees
 * Supabase edits neither pulled nor reverted must learn why from the log, not from the code.
 */
import type { ResolvedOptions } from '../options.js'

export interface UnusedOption {
  /** The option's path, as written in the plugin's options. */
  option: string
  message: string
}

export function unusedRealtimeOptions(options: ResolvedOptions): UnusedOption[] {
  const unused: UnusedOption[] = []
  const global = options.realtime
  let anyWatched = false
  for (const [slug, c] of Object.entries(options.collections)) {
    const watched = c.realtime ?? global !== false
    anyWatched ||= watched
    if (watched || c.onExternalChange === undefined) continue
    const option = `collections.${slug}.onExternalChange`
    const why =
      c.realtime === false
        ? `collections.${slug}.realtime is false`
        : 'realtime is off (the global `realtime` option is false)'
    unused.push({
      option,
      message: `supabase-sync: ${option} ('${c.onExternalChange}') takes no effect: ${why}, so changes made in Supabase's ${c.table} directly are not watched — they are found and reverted by the scheduled checks and reconciles instead. Set collections.${slug}.realtime: true (or the global realtime) to apply it`,
    })
  }
  if (global !== false && !anyWatched)
    unused.push({
      option: 'realtime',
      message:
        'supabase-sync: the global realtime option takes no effect: every synced collection sets realtime: false',
    })
  return unused
}
