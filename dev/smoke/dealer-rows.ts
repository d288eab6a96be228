/** The smoke test's reads of both databases: one row of Payload's or Supabase's, and waiting for a dealer's Supabase row. */
import pg from 'pg'
import { syncTimeoutMs, until } from '../browser.js'
import type { DevApp } from '../devApp.js'

export async function queryOne<T>(
  connectionString: string,
  sql: string,
  params: unknown[],
): Promise<T | undefined> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows[0] as T | undefined
  } finally {
    await client.end()
  }
}

export type SupabaseDealer = {
  name: string
  slug: string
  domain: string | null
  rooftop_id: string | null
  api_config: Record<string, unknown>
}

/** Polls the Supabase side until the dealer's row passes `matches`; resolves with the row and the time it took. */
export async function waitForSupabaseRow(
  stack: DevApp['stack'],
  where: { id: string } | { name: string },
  matches: (row: SupabaseDealer) => boolean,
): Promise<{ row: SupabaseDealer; ms: number }> {
  const client = new pg.Client({ connectionString: stack.supabaseDbUri })
  await client.connect()
  const t = Date.now()
  let last: SupabaseDealer | undefined
  try {
    const [column, value] = 'id' in where ? ['id', where.id] : ['name', where.name]
    const row = await until(
      async () => {
        const { rows } = await client.query<SupabaseDealer>(
          `select name, slug, domain, rooftop_id, api_config from public.dealers where ${column} = $1`,
          [value],
        )
        last = rows[0]
        return last && matches(last) ? last : undefined
      },
      syncTimeoutMs,
      () =>
        `the Supabase row of ${column} ${JSON.stringify(value)} is not as expected: ${JSON.stringify(last ?? null)}`,
    )
    return { row, ms: Date.now() - t }
  } finally {
    await client.end()
  }
}
