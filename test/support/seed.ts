/**
 * Many dealers fast, straight into Payload's tables with SQL (as a bulk import would): Payload reads
 * them back as its own. For scale tests and the scale bench; the plugin is not involved (no job).
 */
import pg from 'pg'

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
  } finally {
    await db.end()
  }
}
