-- Realtime for dealers: only needed with the plugin's `realtime` option on (edits made in Supabase
-- directly are then caught within a second). Supabase streams postgres_changes only of the tables in
-- the supabase_realtime publication; this adds dealers to it. Idempotent: safe to run again.
-- The statement itself, where you prefer it plain:  alter publication supabase_realtime add table public.dealers;
do $$ begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'dealers') then
    alter publication supabase_realtime add table public."dealers";
  end if;
end $$;
