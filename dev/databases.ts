/** The stack's databases (`payload`, `supabase`) on one PostgreSQL server, made on first use. */
import pg from 'pg'

export async function createDatabase(adminUri: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUri })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (!rowCount) await client.query(`create database "${name}"`)
  } finally {
    await client.end()
  }
}

/** The same server's URI for another database. */
export function withDatabase(uri: string, database: string): string {
  const url = new URL(uri)
  url.pathname = `/${database}`
  return url.toString()
}
