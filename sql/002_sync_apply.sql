-- How the plugin writes a table (see README "Supabase schema"): deletes and upserts of one batch in one
-- request, with a stale-write guard, bad rows isolated one by one, and an answer that fits any
-- `max-rows` setting (one JSON value, not a row per document).
-- Apply to your Supabase project once (SQL editor, or `psql "$SUPABASE_DB_URL" -f sql/002_sync_apply.sql`).
-- Idempotent: safe to run again. Without it, set `writeMode: 'upsert'` (no stale-write guard).
--
-- supabase_sync_apply(target_table, upserts, deletes, key_column, version_column, delete_version, not_after)
--   target_table    a table in schema public
--   upserts         a JSON array of row objects; only the columns present in the rows are written, and a
--                   key the table has no column for refuses the call (42703, naming it)
--   deletes         a JSON array of keys to delete
--   key_column      the primary key the rows are matched on
--   version_column  a bigint column the plugin writes (default sync_version): an existing row is only
--                   replaced or deleted when its version is null or not newer than the incoming one.
--                   null, or a table without that column: no guard.
--   delete_version  the version of the deletes (the plugin's claim of those documents)
--   not_after       when the plugin stops waiting for the answer (this database's clock, as the plugin
--                   estimates it): a call still running or only starting after that changes nothing
--                   (SQLSTATE SYNDL). A request that outlived its client — queued in the gateway or the
--                   pool, or slow — would otherwise land after a later delivery of the same document,
--                   where no newer row is left to guard (a delete), and bring back what it replaced.
--                   The call's statement_timeout (Supabase's API roles: 8 s, the authenticator's)
--                   bounds it too: it answers before that cancels it (see `effective` below).
-- Returns {"stale": [keys not written or deleted because the row was newer],
--          "failed": [{"id", "code", "message"} of rows PostgreSQL refused], "written": n, "deleted": n,
--          "now": this database's clock in epoch ms (the plugin estimates the skew of the clocks from it)}.
-- Every key sent is written, deleted (or already absent), stale, or failed.
-- No transaction of its own (a migration tool may run it inside one, whose end a `commit` here would
-- take): the new function is created before the old signature is dropped, so a run that fails
-- half-way never leaves the table without an apply function.

create or replace function public.supabase_sync_apply(
  target_table text,
  upserts jsonb default '[]'::jsonb,
  deletes jsonb default '[]'::jsonb,
  key_column text default 'id',
  version_column text default 'sync_version',
  delete_version bigint default null,
  not_after timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
-- The plugin's own writes, for supabase_sync_mark_foreign below: on while this call runs (a SET
-- clause is restored when the call ends, also by an error — it never outlives the call inside a
-- migration's transaction, where a later direct edit must still be marked).
set supabase_sync.applying = 'on'
as $$
declare
  rel regclass := to_regclass(format('public.%I', target_table));
  cols text;
  sets text;
  guarded boolean := false;
  guard text := '';
  upsert_stmt text;
  delete_stmt text;
  one jsonb;
  written text[] := '{}';
  one_written text[];
  deleted text[] := '{}';
  one_deleted text[];
  stale jsonb := '[]'::jsonb;
  failed jsonb := '[]'::jsonb;
  delete_rows jsonb;
  together jsonb;
  together_keys text[];
  uniq record;
  skip int;
  unknown text;
  -- The statement_timeout the call runs under ('8s', '400ms'); null for '0', none.
  budget interval := nullif(pg_catalog.current_setting('statement_timeout'), '0')::interval;
  -- When the call must have answered: not_after, or earlier where the statement's own timeout would
  -- cancel it first (57014, an answer the plugin cannot tell from a batch too big: it would split
  -- the batch, each half waiting again for the same lock). A tenth of the timeout, up to 500 ms, is
  -- left to answer in: a lock wait's timer starts after the work before it, and the answer needs to
  -- unwind. Null: neither bounds the call.
  effective timestamptz := least(not_after,
    pg_catalog.statement_timestamp() + budget - least(interval '500 ms', budget / 10));
begin
  if not_after is not null and pg_catalog.clock_timestamp() > not_after then
    raise exception 'supabase_sync_apply: arrived after its deadline (its clock %, deadline %): the plugin no longer waits for it',
      (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint, (extract(epoch from not_after) * 1000)::bigint
      using errcode = 'SYNDL';
  end if;
  if effective is not null then
    -- A lock the call would wait for past its deadline (an index being built, a row another writer
    -- holds) fails it then, with an answer (55P03, tried again whole), instead of leaving the plugin
    -- with none, or with a statement timeout — either of which takes the batch's size for the cause
    -- and splits it. Set again before each later statement: the timer counts from the wait's start.
    perform pg_catalog.set_config('lock_timeout',
      greatest(1, (extract(epoch from (effective - pg_catalog.clock_timestamp())) * 1000)::bigint)::text || 'ms', true);
  end if;
  if rel is null then
    raise exception 'supabase_sync_apply: table public.% does not exist', target_table using errcode = '42P01';
  end if;
  if jsonb_typeof(coalesce(upserts, '[]'::jsonb)) <> 'array' or jsonb_typeof(coalesce(deletes, '[]'::jsonb)) <> 'array' then
    raise exception 'supabase_sync_apply: upserts and deletes must be JSON arrays' using errcode = '22023';
  end if;
  upserts := coalesce(upserts, '[]'::jsonb);
  deletes := coalesce(deletes, '[]'::jsonb);

  if version_column is not null and exists (
    select 1 from pg_catalog.pg_attribute a
     where a.attrelid = rel and a.attname = version_column and a.attnum > 0 and not a.attisdropped
  ) then
    guarded := true;
  end if;

  -- Deletes first: a unique value freed by a deleted row must be free before another row takes it.
  if pg_catalog.jsonb_array_length(deletes) > 0 then
    delete_rows := (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(key_column, d)) from pg_catalog.jsonb_array_elements(deletes) d);
    delete_stmt := format(
      'with k as (select r.%2$I as k from pg_catalog.jsonb_populate_recordset(null::%1$s, $1) r), '
        || 'd as (delete from %1$s t using k where t.%2$I = k.k%3$s returning t.%2$I::text as k) '
        || 'select coalesce(pg_catalog.array_agg(k), ''{}'') from d',
      rel, key_column,
      case when guarded then format(' and (t.%1$I is null or $2 is null or t.%1$I <= $2)', version_column) else '' end);
    begin
      execute delete_stmt using delete_rows, delete_version into deleted;
    exception when others then
      -- A lock not had in time is the table's, not a row's: row by row would wait again for each.
      if sqlstate = '55P03' then
        raise;
      end if;
      deleted := '{}';
      for one in select r from pg_catalog.jsonb_array_elements(delete_rows) r loop
        if effective is not null and pg_catalog.clock_timestamp() > effective then
          raise exception 'supabase_sync_apply: ran past its deadline (its clock %, deadline %): rolled back, the plugin no longer waits for it',
            (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint, (extract(epoch from effective) * 1000)::bigint
            using errcode = 'SYNDL';
        end if;
        if effective is not null then
          perform pg_catalog.set_config('lock_timeout',
            greatest(1, (extract(epoch from (effective - pg_catalog.clock_timestamp())) * 1000)::bigint)::text || 'ms', true);
        end if;
        begin
          execute delete_stmt using pg_catalog.jsonb_build_array(one), delete_version into one_deleted;
          deleted := deleted || one_deleted;
        exception when others then
          failed := failed || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('id', one ->> key_column, 'code', sqlstate, 'message', sqlerrm));
        end;
      end loop;
    end;
    if guarded then
      -- Rows that are still there were newer than the delete: stale.
      execute format(
        'select coalesce(pg_catalog.jsonb_agg(t.%2$I::text), ''[]'') from %1$s t '
          || 'where t.%2$I in (select r.%2$I from pg_catalog.jsonb_populate_recordset(null::%1$s, $1) r)',
        rel, key_column)
        using delete_rows into stale;
    end if;
  end if;

  if pg_catalog.jsonb_array_length(upserts) > 0 then
    -- A key the table has no column for would be dropped without a word (a mapper ahead of a
    -- migration): refused instead, naming it, as PostgREST's own upsert refuses it (PGRST204).
    -- The version column is the plugin's: a table without it has no guard, as said above.
    select pg_catalog.string_agg(k, ', ' order by k) into unknown
      from (select distinct k from pg_catalog.jsonb_array_elements(upserts) r, pg_catalog.jsonb_object_keys(r) k) keys
     where keys.k is distinct from coalesce(version_column, 'sync_version')
       and not exists (select 1 from pg_catalog.pg_attribute a
                        where a.attrelid = rel and a.attname = keys.k and a.attnum > 0 and not a.attisdropped);
    if unknown is not null then
      raise exception 'supabase_sync_apply: table public.% has no column %', target_table, unknown
        using errcode = '42703', hint = 'add the column (`npx payload supabase-sync doctor` prints the SQL)';
    end if;
    -- The columns named by at least one row; the others keep their value (or default on insert).
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum),
           string_agg(format('%1$I = excluded.%1$I', a.attname), ', ' order by a.attnum)
             filter (where a.attname <> key_column)
      into cols, sets
      from pg_catalog.pg_attribute a
     where a.attrelid = rel and a.attnum > 0 and not a.attisdropped
       and exists (select 1 from pg_catalog.jsonb_array_elements(upserts) r where r ? a.attname::text);
    if cols is not null then
      if guarded then
        guard := format(' where t.%1$I is null or excluded.%1$I is null or t.%1$I <= excluded.%1$I', version_column);
      end if;
      -- The written keys are collected into an array before anything is returned: a statement that
      -- fails halfway is rolled back, and so must be what it reported.
      upsert_stmt := format(
        'with w as (insert into %1$s as t (%2$s) select %2$s from pg_catalog.jsonb_populate_recordset(null::%1$s, $1) '
          || 'on conflict (%3$I) do %4$s returning t.%3$I::text as k) select coalesce(pg_catalog.array_agg(k), ''{}'') from w',
        rel, cols, key_column,
        case when sets is null then 'nothing' else 'update set ' || sets || guard end);
      if effective is not null then
        perform pg_catalog.set_config('lock_timeout',
          greatest(1, (extract(epoch from (effective - pg_catalog.clock_timestamp())) * 1000)::bigint)::text || 'ms', true);
      end if;
      begin
        execute upsert_stmt using upserts into written;
      exception when others then
        if sqlstate = '55P03' then
          raise;
        end if;
        -- One bad row fails the statement; write row by row so that only the bad ones are refused.
        written := '{}';
        for one in select r from pg_catalog.jsonb_array_elements(upserts) r loop
          -- Row by row can take long (slow triggers): past the deadline, what is left is of no use.
          if effective is not null and pg_catalog.clock_timestamp() > effective then
            raise exception 'supabase_sync_apply: ran past its deadline (its clock %, deadline %): rolled back, the plugin no longer waits for it',
              (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint, (extract(epoch from effective) * 1000)::bigint
              using errcode = 'SYNDL';
          end if;
          if effective is not null then
            perform pg_catalog.set_config('lock_timeout',
              greatest(1, (extract(epoch from (effective - pg_catalog.clock_timestamp())) * 1000)::bigint)::text || 'ms', true);
          end if;
          begin
            execute upsert_stmt using pg_catalog.jsonb_build_array(one) into one_written;
            written := written || one_written;
          exception when others then
            failed := failed || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('id', one ->> key_column, 'code', sqlstate, 'message', sqlerrm));
          end;
        end loop;
        -- Rows refused one by one for a unique value (23505) may hold each other's values: two
        -- documents that traded slugs. Written together, in one statement, they pass where the
        -- constraint is deferrable (checked at the statement's end); else they stay refused.
        select pg_catalog.jsonb_agg(u) into together
          from pg_catalog.jsonb_array_elements(upserts) u
         where exists (select 1 from pg_catalog.jsonb_array_elements(failed) f
                        where f ->> 'id' = u ->> key_column and f ->> 'code' = '23505');
        together := coalesce(together, '[]'::jsonb);
        -- A row whose value a row outside them holds (a row without a document, a document refused
        -- for good) is refused whoever goes with it: left out first, so that any number of them does
        -- not keep the others from trading theirs. One statement per unique index of plain columns.
        if pg_catalog.jsonb_array_length(together) between 2 and 50 then
          for uniq in
            select pg_catalog.string_agg(format('t.%1$I = r.%1$I', a.attname), ' and ' order by k.n) as cond,
                   pg_catalog.array_agg(a.attname::text) as cols
              from pg_catalog.pg_index i
              cross join lateral pg_catalog.unnest(i.indkey::int2[]) with ordinality k(attnum, n)
              join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where i.indrelid = rel and i.indisunique and i.indexprs is null and i.indpred is null
               and k.n <= i.indnkeyatts  -- not the columns an index only INCLUDEs
             group by i.indexrelid
          loop
            continue when uniq.cols = array[key_column::text];
            select pg_catalog.array_agg(u ->> key_column) into together_keys
              from pg_catalog.jsonb_array_elements(together) u;
            execute format(
              'select pg_catalog.jsonb_agg(u) from pg_catalog.jsonb_array_elements($1) u '
                || 'where not exists (select 1 from %1$s t, pg_catalog.jsonb_populate_record(null::%1$s, u) r '
                || 'where %2$s and not (t.%3$I::text = any($2)))',
              rel, uniq.cond, key_column)
              using together, together_keys into together;
            together := coalesce(together, '[]'::jsonb);
          end loop;
        end if;
        -- (One row too: its value may have been freed by a later row of the batch.) All of them, else
        -- all but one: two rows of the batch may want one value. Up to 50 rows: n + 1 statements at most.
        for skip in 0 .. case when pg_catalog.jsonb_array_length(together) between 2 and 50
                              then pg_catalog.jsonb_array_length(together) else 0 end loop
          exit when pg_catalog.jsonb_array_length(together) = 0;
          if effective is not null and pg_catalog.clock_timestamp() > effective then
            raise exception 'supabase_sync_apply: ran past its deadline (its clock %, deadline %): rolled back, the plugin no longer waits for it',
              (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint, (extract(epoch from effective) * 1000)::bigint
              using errcode = 'SYNDL';
          end if;
          if effective is not null then
            perform pg_catalog.set_config('lock_timeout',
              greatest(1, (extract(epoch from (effective - pg_catalog.clock_timestamp())) * 1000)::bigint)::text || 'ms', true);
          end if;
          begin
            execute upsert_stmt using (case when skip = 0 then together else together - (skip - 1) end) into one_written;
            written := written || one_written;
            failed := coalesce((select pg_catalog.jsonb_agg(f) from pg_catalog.jsonb_array_elements(failed) f
                                 where not (f ->> 'id' = any(one_written))), '[]'::jsonb);
            exit;
          exception when others then
            null;
          end;
        end loop;
      end;
      -- Neither written nor failed: the guard kept a newer row. (Set-based: a batch of 1,000 rows
      -- against 1,000 written keys is a hash join, not a million comparisons.)
      stale := stale || coalesce((
        select pg_catalog.jsonb_agg(r.k)
          from (select e ->> key_column as k from pg_catalog.jsonb_array_elements(upserts) e) r
          left join pg_catalog.unnest(written) w(k) on w.k = r.k
          left join (select f ->> 'id' as k from pg_catalog.jsonb_array_elements(failed) f) x on x.k = r.k
         where w.k is null and x.k is null
      ), '[]'::jsonb);
    end if;
  end if;

  -- Past the deadline now, the plugin has given up on this call and may have delivered the same
  -- documents since: nothing of it may commit.
  if not_after is not null and pg_catalog.clock_timestamp() > not_after then
    raise exception 'supabase_sync_apply: finished after its deadline (its clock %, deadline %): rolled back, the plugin no longer waits for it',
      (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint, (extract(epoch from not_after) * 1000)::bigint
      using errcode = 'SYNDL';
  end if;
  return pg_catalog.jsonb_build_object(
    'stale', stale,
    'failed', failed,
    'written', coalesce(pg_catalog.array_length(written, 1), 0),
    'deleted', coalesce(pg_catalog.array_length(deleted, 1), 0),
    'now', (extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint);
end;
$$;

revoke all on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) from public, anon, authenticated;
grant execute on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) to service_role;
-- Read by `doctor` (through sql/003): an older function than the plugin expects is named, with its fix.
-- v2: rows refused one by one for a unique value are tried again together (documents that traded
-- values); a key the table has no column for is refused (42703), not dropped; not_after: a call that
-- outlived the plugin's wait changes nothing.
-- v3: a lock waited for past the deadline fails the call (55P03, lock_timeout from not_after); the
-- deadline is checked between the rows of the row-by-row fallback too; the rows tried together again
-- go without one of them when all together are refused (one refused for good).
-- v4: the rows whose value a row outside them holds are left out before the rest is tried together
-- (v3 left out one: two such rows kept documents that trade values from passing).
-- v5: the deadline is also bounded by the call's statement_timeout (Supabase: 8 s), so that a lock
-- wait answers 55P03 before the statement timeout cancels it (57014, which splits the batch).
-- v6: its writes are told from others (supabase_sync.applying on while it runs), and
-- supabase_sync_mark_foreign (below) marks the others.
comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is
  'supabase-sync apply v6: deletes and upserts of a batch, stale-write guard, bad rows isolated, traded unique values written together (rows held by others left out), unknown columns refused, deadline bounded by the statement timeout (and lock_timeout from it), own writes told from others (supabase_sync_mark_foreign)';

-- A write to a synced table that is not the plugin's (the table editor, a script, a migration) gives
-- the row the largest version, newer than any delivery: the stale-write guard then keeps the row from
-- the next delivery of its document, which sees it (stale), replaces it (Payload wins), and records
-- the conflict where the row held something the plugin had not delivered. Without the mark such an
-- edit kept its old version and was overwritten without a record.
-- A row trigger on each synced table runs it, with the version column's name as its argument (the
-- `sql` command prints one per table; sql/005 is the one of dealers):
--   create trigger supabase_sync_mark_foreign before insert or update on public.<table>
--     for each row execute function public.supabase_sync_mark_foreign('sync_version');
-- Its cost: a setting read per row written; a row written directly is also converted to JSON and back.
create or replace function public.supabase_sync_mark_foreign()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if pg_catalog.current_setting('supabase_sync.applying', true) is distinct from 'on' then
    new := pg_catalog.jsonb_populate_record(new,
      pg_catalog.jsonb_build_object(tg_argv[0], 9223372036854775807::bigint));
  end if;
  return new;
end
$$;

revoke all on function public.supabase_sync_mark_foreign() from public, anon, authenticated;

-- v1 had no not_after: dropped, or PostgREST would find two functions of this name (PGRST203).
drop function if exists public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint);

-- The function of plugin version 0.1 (one result row per document, cut by max-rows): replaced by the one above.
drop function if exists public.supabase_sync_upsert(text, jsonb, text, text);
