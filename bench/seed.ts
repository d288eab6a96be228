/**
 * Dealers made as an app makes them: `payload.create`, 50 at a time (no sync job: the benches measure
 * the reconcile that follows). A table filled this way reads differently from one filled with a single
 * SQL statement (the floor's one `find` reads the latter 10–15 % faster), so the floors are measured on
 * tables made this way.
 */
import type { Payload } from 'payload'
import { dealerData } from '../test/support/app.js'

export async function seed(payload: Payload, count: number) {
  const existing = await payload.count({ collection: 'dealers' })
  for (let i = existing.totalDocs; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, k) =>
        payload.create({
          collection: 'dealers',
          data: dealerData({ slug: `bench-${i + k}` }),
          context: { skipSupabaseSync: true },
        }),
      ),
    )
  }
}
