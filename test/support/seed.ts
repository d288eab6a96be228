/**
 * Many dealers for tests and benches, without the plugin (no job): made with `payload.create`, as an
 * app makes them, or fast, straight into Payload's tables with SQL (as a bulk import would; Payload
 * reads them back as its own). A table filled by one SQL statement reads differently: the benches'
 * floor (one `find`) reads it 10–15 % faster, so floors are measured on dealers made by Payload.
 */
import pg from 'pg'
import type { Payload } from 'payload'
import { dealerData } from './app.js'

/** Creates `count` dealers with `payload.create`, 50 at a time, slugs `${prefix}-${n}` from `from`. */
export async function createDealers(
  payload: Payload,
  count: number,
  prefix: string,
  from = 0,
): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, k) =>
        payload.create({
          collection: 'dealers',
          data: dealerData({ slug: `${prefix}-${from + i + k}` }),
          context: { skipSupabaseSync: true },
        }),
      ),
    )
  }
}

/** Inserts `count` dealers numbered from `from`; returns their ids. */
export async function seedDealersSql(databaseUri: string, count: number, from = 1): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUri })
  await db.connect()
  try {
    await db.query(
      `insert into dealers (id, name, slug, domain, homenet_config_rooftop_id, created_at, updated_at)
       select gen_random_uuid(), 'Dealer ' || g, 'seeded-' || g, 'seeded-' || g || '.example.com', 'R-' || g,
              now() - make_interval(secs => g), now() - make_interval(secs => g)
         from generate_series($1::int, $2::int) g`,
      [from, from + count - 1],
    )
    await db.query(
      `insert into dealers_platforms ("order", parent_id, value)
       select 1, d.id, 'homenet' from dealers d where d.slug like 'seeded-%'
          and not exists (select 1 from dealers_platforms p where p.parent_id = d.id)`,
    )
    // As a table at rest is (autovacuum's work): statistics — without them PostgreSQL plans Payload's
    // reads of a freshly loaded table with guesses (parallel scans, thousands of platforms per dealer)
    // — and rows already marked visible, which otherwise the first reader does, writing every page.
    await db.query('vacuum (analyze) dealers')
    await db.query('vacuum (analyze) dealers_platforms')
  } finally {
    await db.end()
  }
}
