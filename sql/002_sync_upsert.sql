-- The stale-write guard (see README "Supabase schema"): an upsert that never replaces a row with an
-- older version, and that reports bad rows one by one instead of failing the whole batch.
-- PostgREST cannot express "update only if newer" in a plain upsert, so the plugin calls this
-- function through `rpc`. Without it, set `writeMode: 'upsert'` (no stale-write guard).
-- Idempotent: safe to run again.
--
-- supabase_sync_upsert(target_table, rows, conflict_column, version_column)
--   target_table     a table in schema public
--   rows             a JSON array of row objects; only the columns present in the rows are written
--   conflict_column  the primary key (or a unique column) the rows are matched on
--   version_column   a timestamptz column (the document's updatedAt); an existing row is only replaced
--                    when its version is null or not newer than the incoming one. null: no guard.
-- Returns one line per row that was written (outcome 'written') or refused (outcome 'error', with the
-- SQLSTATE and message). A row that is in neither was stale: Supabase already holds a newer version.
create or replace function public.supabase_sync_upsert(
  target_table text,
  rows jsonb,
  conflict_column text default 'id',
  version_column text default 'updated_at'
)
returns table (id text, outcome text, code text, message text)
language plpgsql
security invoker
set search_path = ''
as $$
declare
  rel regclass := to_regclass(format('public.%I', target_table));
  cols text;
  sets text;
  guard text := '';
  stmt text;
  one jsonb;
  written text[];
  one_written text[];
begin
  if rel is null then
    raise exception 'supabase_sync_upsert: table public.% does not exist', target_table using errcode = '42P01';
  end if;
  if jsonb_typeof(rows) <> 'array' then
    raise exception 'supabase_sync_upsert: rows must be a JSON array' using errcode = '22023';
  end if;

  -- The columns named by at least one row; the others keep their value (or default on insert).
  select string_agg(quote_ident(a.attname), ', ' order by a.attnum),
         string_agg(format('%1$I = excluded.%1$I', a.attname), ', ' order by a.attnum)
           filter (where a.attname <> conflict_column)
    into cols, sets
    from pg_catalog.pg_attribute a
   where a.attrelid = rel and a.attnum > 0 and not a.attisdropped
     and exists (select 1 from pg_catalog.jsonb_array_elements(rows) r where r ? a.attname::text);
  if cols is null then
    return;
  end if;

  if version_column is not null and exists (
    select 1 from pg_catalog.pg_attribute a
     where a.attrelid = rel and a.attname = version_column and not a.attisdropped
  ) then
    guard := format(' where t.%1$I is null or excluded.%1$I is null or t.%1$I <= excluded.%1$I', version_column);
  end if;

  -- The written keys are collected into an array before anything is returned: rows handed to
  -- RETURN QUERY are not taken back when the statement fails halfway and is rolled back.
  stmt := format(
    'with w as (insert into %1$s as t (%2$s) select %2$s from pg_catalog.jsonb_populate_recordset(null::%1$s, $1) '
      || 'on conflict (%3$I) do %4$s returning t.%3$I::text as k) select coalesce(pg_catalog.array_agg(k), ''{}'') from w',
    rel, cols, conflict_column,
    case when sets is null then 'nothing' else 'update set ' || sets || guard end);

  begin
    -- The common case: the whole batch in one statement.
    execute stmt using rows into written;
  exception when others then
    -- One bad row fails the statement; write row by row so that only the bad ones are refused.
    written := '{}';
    for one in select r from pg_catalog.jsonb_array_elements(rows) r loop
      begin
        execute stmt using pg_catalog.jsonb_build_array(one) into one_written;
        written := written || one_written;
      exception when others then
        id := one ->> conflict_column;
        outcome := 'error';
        code := sqlstate;
        message := sqlerrm;
        return next;
      end;
    end loop;
  end;
  return query select w.k, 'written'::text, null::text, null::text from pg_catalog.unnest(written) as w(k);
end;
$$;

revoke all on function public.supabase_sync_upsert(text, jsonb, text, text) from public, anon, authenticated;
grant execute on function public.supabase_sync_upsert(text, jsonb, text, text) to service_role;
