/**
 * The publication Realtime streams changes of (`supabase_realtime`, as on Supabase), and its
 * creation in the stand-in's database.
 */
import pg from 'pg'

export const DEFAULT_PUBLICATION = 'supabase_realtime'

/**
 * Creates the publication Supabase projects have, empty (`create publication supabase_realtime`):
 * `alter publication supabase_realtime add table …` is then the SQL that turns Realtime on for a
 * table, here as on Supabase. Safe to run again and concurrently.
 */
export async function ensurePublication(
  databaseUri: string,
  publication = DEFAULT_PUBLICATION,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUri })
  await client.connect()
  try {
    const ident = `"${publication.replace(/"/g, '""')}"`
    await client.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = ${pgLiteral(publication)}) THEN
          CREATE PUBLICATION ${ident};
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`)
  } finally {
    await client.end()
  }
}

function pgLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}
