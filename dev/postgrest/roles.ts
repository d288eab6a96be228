/**
 * The roles every Supabase database has, so SQL written for Supabase (`grant ... to service_role`,
 * `revoke ... from anon`) runs unchanged on a plain PostgreSQL.
 */
import pg from 'pg'

/**
 * Creates `anon`, `authenticated` (NOLOGIN) and `service_role` (NOLOGIN BYPASSRLS) when missing, and
 * gives them what a fresh Supabase project gives them: USAGE on schema public and, through default
 * privileges, full rights on the tables, sequences and functions created there afterwards. That is
 * why Supabase's own advice (and sql/001_dealers.sql) is to enable RLS and revoke from anon.
 *
 * Safe to run again and concurrently (roles are cluster-wide; two stacks may share a server).
 * The session's advisory lock goes away with the connection.
 */
export async function ensureRoles(databaseUri: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUri })
  await client.connect()
  try {
    // Concurrent GRANTs on one schema can fail with "tuple concurrently updated": take turns.
    await client.query(`SELECT pg_advisory_lock(hashtext('postgrest-standin:ensureRoles'))`)
    for (const [role, attributes] of [
      ['anon', 'NOLOGIN NOINHERIT'],
      ['authenticated', 'NOLOGIN NOINHERIT'],
      ['service_role', 'NOLOGIN NOINHERIT BYPASSRLS'],
    ] as const) {
      // A DO block with an exception handler: another session may create the role between check and create.
      await client.query(`
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
            CREATE ROLE ${role} ${attributes};
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`)
    }
    await client.query(`
      GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;`)
  } finally {
    await client.end()
  }
}
