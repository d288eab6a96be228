-- What `payload supabase-sync doctor` asks Supabase about a synced table, in one call: its columns and
-- their types, its primary key, whether row level security is on and what the anon role may do,
-- whether the apply function (sql/002) is there and executable by the service role, and whether the
-- table is in the Realtime publication. Read-only; executable by service_role only.
-- Apply once (SQL editor, or `psql "$SUPABASE_DB_URL" -f sql/003_sync_inspect.sql`). Idempotent.
create or replace function public.supabase_sync_inspect(target_table text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with rel as (select to_regclass(format('public.%I', target_table)) as oid)
  select case when (select oid from rel) is null then pg_catalog.jsonb_build_object('exists', false) else pg_catalog.jsonb_build_object(
    'exists', true,
    'columns', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'name', a.attname,
               'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
               'nullable', not a.attnotnull,
               'default', a.atthasdef) order by a.attnum), '[]'::jsonb)
        from pg_catalog.pg_attribute a
       where a.attrelid = (select oid from rel) and a.attnum > 0 and not a.attisdropped),
    'primaryKey', (
      select coalesce(pg_catalog.jsonb_agg(a.attname), '[]'::jsonb)
        from pg_catalog.pg_index i
        join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = (select oid from rel) and i.indisprimary),
    'rls', (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = (select oid from rel)),
    'anonSelect', pg_catalog.has_table_privilege('anon', (select oid from rel), 'SELECT'),
    'anonPolicies', (
      select pg_catalog.count(*) from pg_catalog.pg_policies p
       where p.schemaname = 'public' and p.tablename = target_table
         and (p.roles && array['anon', 'public']::name[]) and p.cmd in ('SELECT', 'ALL')),
    'serviceRoleWrite', pg_catalog.has_table_privilege('service_role', (select oid from rel), 'INSERT, UPDATE, DELETE, SELECT'),
    'applyFunction', (
      select pg_catalog.has_function_privilege('service_role', p.oid, 'EXECUTE')
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.proname = 'supabase_sync_apply' limit 1),
    'realtime', exists (
      select 1 from pg_catalog.pg_publication_tables t
       where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = target_table)
  ) end
$$;

revoke all on function public.supabase_sync_inspect(text) from public, anon, authenticated;
grant execute on function public.supabase_sync_inspect(text) to service_role;
