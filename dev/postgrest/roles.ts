/**
 * The roles every Supabase database has, so SQL written for Supabase (`grant ... to service_role`,
 * `revoke ... from anon`) runs unchanged on a plain PostgreSQL.
 */
import pg from 'pg'

/**
 * Creates `anon`, `authenticated` (NOLOGIN; statement_timeout 3 s and 8 s) and `service_role`
 * (NOLOGIN BYPASSRLS) when missing, and
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
    // Supabase's statement timeouts of the API roles, applied per request as PostgREST does (the
    // stand-in's statementTimeout is the authenticator's, for service_role, which has none). Only on
    // creation: a role that exists keeps the settings its owner gave it.
    for (const [role, attributes, settings] of [
      ['anon', 'NOLOGIN NOINHERIT', `ALTER ROLE anon SET statement_timeout = '3s';`],
      [
        'authenticated',
        'NOLOGIN NOINHERIT',
        `ALTER ROLE authenticated SET statement_timeout = '8s';`,
      ],
      ['service_role', 'NOLOGIN NOINHERIT BYPASSRLS', ''],
    ] as const) {
      // A DO block with an exception handler: another session may create the role between check and create.
      await client.query(`
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
            CREATE ROLE ${role} ${attributes};
            ${settings}
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
