/** The `realtime` options (global and per collection): whether the synced tables are watched, and what a change made around the plugin gets. */
import { z } from 'zod'

/**
 * What a row changed in Supabase directly (not by the plugin) gets: `revert` (Payload is the source
 * of truth: the document's row is delivered again), `record` (left, shown as drift, recorded), or
 * `pull` (taken into Payload with the version-checked pull, then delivered back).
 */
export const externalChangePolicySchema = z.enum(['revert', 'record', 'pull'])
export type ExternalChangePolicy = z.output<typeof externalChangePolicySchema>

export const realtimeOptionsSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** Default for the collections (each may set its own `onExternalChange`). */
    onExternalChange: externalChangePolicySchema.default('revert'),
    /**
     * More rows than this inserted at once without documents are not deleted (the mass-delete guard,
     * as in the reconcile): recorded and alerted instead.
     */
    massInsertLimit: z.number().int().min(0).default(100),
  }),
])
