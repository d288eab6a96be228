/**
 * The checks' cron, checked when the config is built as Payload's scheduler will read it (croner, with
 * Payload's options): a pattern it refuses made every run of the checks queue throw before it ran —
 * no scheduled check, no alert sent, no retention — with only a warning in the log every few seconds.
 */
import { Cron } from 'croner'
import { z } from 'zod'

export const cronSchema = z.string().superRefine((pattern, ctx) => {
  let next: Date | null
  try {
    next = new Cron(pattern, { sloppyRanges: true }).nextRun()
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a cron pattern Payload's scheduler takes ("${pattern}": ${err instanceof Error ? err.message : String(err)}); six fields with seconds, e.g. "0 */15 * * * *"`,
    })
    return
  }
  if (!next)
    ctx.addIssue({ code: 'custom', message: `("${pattern}") never comes: no check would run` })
})
