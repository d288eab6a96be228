-- What `payload supabase-sync doctor` asks Supabase about a synced table, in one call: its columns and
-- their types, its primary key, whether row level security is on and what the anon role may do,
-- whether the apply function (sql/002) is there and executable by the service role, whether the
-- table is in the Realtime publication, which version column its trigger marks edits made around the
-- plugin in (sql/002, sql/005), and — for a text primary key — how its collation orders a few
-- sample ids (doctor orders them in Payload's database too: scans need both to order ids alike), and
-- the statement timeout the service role's requests run under.
-- Read-only; executable by service_role only.
-- Apply once (SQL editor, or `psql "$SUPABASE_DB_URL" -f sql/003_sync_inspect.sql`). Idempotent.
create or replace function public.supabase_sync_inspect(target_table text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  report jsonb;
  key_collation text;
  key_order jsonb;
begin
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
    -- The version sql/002 writes into its comment ('supabase-sync apply v2: …'); '' when it has none.
    'applyComment', (
      select coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '')
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.proname = 'supabase_sync_apply' limit 1),
    -- Unique constraints and indexes besides the key: whether each is checked at the end of a
    -- statement (deferrable) or row by row, and whether a foreign key references it (then it cannot be).
    'uniques', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'name', coalesce(con.conname, ic.relname),
               'constraint', con.oid is not null,
               -- Key columns only (not INCLUDE), in the index's order; none for an expression.
               'columns', (select coalesce(pg_catalog.jsonb_agg(a.attname order by k.n), '[]'::jsonb)
                             from pg_catalog.unnest(i.indkey::int2[]) with ordinality k(attnum, n)
                             join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                            where k.n <= i.indnkeyatts and k.attnum > 0),
               -- An expression or a predicate: no constraint can say it, so it cannot be deferrable.
               'expression', i.indexprs is not null or i.indpred is not null,
               'deferrable', coalesce(con.condeferrable, false),
               'referenced', exists (select 1 from pg_catalog.pg_constraint f
                                      where f.contype = 'f' and f.conindid = i.indexrelid))
             order by ic.relname), '[]'::jsonb)
        from pg_catalog.pg_index i
        join pg_catalog.pg_class ic on ic.oid = i.indexrelid
        left join pg_catalog.pg_constraint con on con.conindid = i.indexrelid and con.contype = 'u'
       where i.indrelid = (select oid from rel) and i.indisunique and not i.indisprimary),
    -- The version columns the table's enabled row triggers mark when a write is not the plugin's
    -- (sql/002's supabase_sync_mark_foreign, before insert and update: tgtype row 1 + before 2 +
    -- insert 4 + update 16); its argument is the first of tgargs (NUL-separated).
    'markForeign', (
      select coalesce(pg_catalog.jsonb_agg(
               pg_catalog.split_part(pg_catalog.encode(t.tgargs, 'escape'), '\000', 1)), '[]'::jsonb)
        from pg_catalog.pg_trigger t
        join pg_catalog.pg_proc p on p.oid = t.tgfoid
        join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where t.tgrelid = (select oid from rel) and not t.tgisinternal and t.tgenabled <> 'D'
         and n.nspname = 'public' and p.proname = 'supabase_sync_mark_foreign'
         and (t.tgtype::int & 23) = 23),
    'realtime', exists (
      select 1 from pg_catalog.pg_publication_tables t
       where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = target_table)
  ) end into report;
  -- Collatable keys only (text, varchar): uuids and numbers order alike everywhere.
  select pg_catalog.format('%I.%I', n.nspname, c.collname) into key_collation
    from pg_catalog.pg_index i
    join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
    join pg_catalog.pg_collation c on c.oid = a.attcollation
    join pg_catalog.pg_namespace n on n.oid = c.collnamespace
   where i.indrelid = pg_catalog.to_regclass(pg_catalog.format('public.%I', target_table)) and i.indisprimary;
  if key_collation is not null then
    execute pg_catalog.format(
      'select pg_catalog.jsonb_agg(x order by x collate %s) from pg_catalog.unnest($1) x', key_collation)
      into key_order
      using array['a-0', 'A-1', 'a-2', 'B', 'b', '_c', '-d', 'd', '0', '10', '9', 'é', 'e', 'f', 'a b', 'ab', 'Z', 'z']::text[];
  end if;
  if (report->>'exists')::boolean then
    report := report || pg_catalog.jsonb_build_object('keyOrder', key_order);
  end if;
  -- The statement_timeout this call runs under, in ms (0: none) — that of every request of the
  -- service role (Supabase: the authenticator's 8 s, unless service_role has its own), which cancels
  -- a request the plugin may still be waiting for (its timeoutMs).
  report := report || pg_catalog.jsonb_build_object('statementTimeoutMs',
    (extract(epoch from pg_catalog.current_setting('statement_timeout')::interval) * 1000)::bigint);
  return report;
end
$$;

revoke all on function public.supabase_sync_inspect(text) from public, anon, authenticated;
grant execute on function public.supabase_sync_inspect(text) to service_role;

-- For doctor: n rows, as PostgREST returns them — fewer when the project's max-rows (db-max-rows) is
-- lower, which is how doctor learns it (the plugin's maxRows must not be higher: reads would be cut).
create or replace function public.supabase_sync_rows(n integer)
returns setof integer
language sql
immutable
security invoker
set search_path = ''
as $$ select pg_catalog.generate_series(1, least(n, 100000)) $$;

revoke all on function public.supabase_sync_rows(integer) from public, anon, authenticated;
grant execute on function public.supabase_sync_rows(integer) to service_role;
