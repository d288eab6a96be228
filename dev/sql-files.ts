/** The SQL the stack applies to the Supabase side: the package's sql/ and the dev app's own dev/sql/. */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
export const sqlDir = path.resolve(here, '..', 'sql')
/** The dev app's own tables (the posts example): applied after the package's sql/, not shipped with it. */
export const devSqlDir = path.resolve(here, 'sql')

/** Runs every sql/*.sql file, in name order, against the given database. */
export async function applySqlFiles(connectionString: string, dir = sqlDir): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    for (const file of files) await client.query(await fs.readFile(path.join(dir, file), 'utf8'))
  } finally {
    await client.end()
  }
  return files
}
