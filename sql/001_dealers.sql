-- The Supabase side of the dealers mapping (Payload is the source of truth; see README "Supabase schema").
-- Apply to your Supabase project once: paste into the SQL editor, or `psql "$SUPABASE_DB_URL" -f sql/001_dealers.sql`.
-- Idempotent: safe to run again.

create table if not exists public.dealers (
  id          uuid primary key,
  name        text not null,
  -- Deferrable (checked at the end of each statement, not row by row): two dealers that trade slugs
  -- arrive in one batch, and PostgreSQL would refuse either row first, for ever (see README).
  slug        text not null constraint dealers_slug_key unique deferrable initially immediate,
  domain      text,
  rooftop_id  text,
  api_config  jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null,
  updated_at  timestamptz,
  -- Written by the plugin, not by the mapping: the stale-write guard's version (see sql/002).
  sync_version bigint
);

-- Tables created before the slug's constraint was deferrable: made so (the index is built again).
-- Not where a foreign key references it (a referenced key cannot be deferrable): left as it is, said
-- so, and `doctor` names it — the rest of this script still runs.
do $$
begin
  if exists (
    select 1 from pg_catalog.pg_constraint k
     where k.conrelid = 'public.dealers'::regclass and k.conname = 'dealers_slug_key' and not k.condeferrable
       and exists (select 1 from pg_catalog.pg_constraint f where f.contype = 'f' and f.conindid = k.conindid)
  ) then
    raise notice 'dealers_slug_key is referenced by a foreign key: left checked row by row (dealers that trade slugs need an operator)';
  elsif exists (
    select 1 from pg_catalog.pg_constraint
     where conrelid = 'public.dealers'::regclass and conname = 'dealers_slug_key' and not condeferrable
  ) then
    alter table public.dealers
      drop constraint dealers_slug_key,
      add constraint dealers_slug_key unique (slug) deferrable initially immediate;
  end if;
end $$;

-- Tables created by plugin version 0.1 have no sync_version yet.
alter table public.dealers add column if not exists sync_version bigint;

create index if not exists dealers_rooftop_id_idx on public.dealers (rooftop_id);

-- Only the service role (which the plugin uses, and which bypasses RLS) writes this table.
-- RLS on and no policy: the anon and authenticated roles see nothing and can change nothing.
alter table public.dealers enable row level security;
revoke all on table public.dealers from anon, authenticated;
grant select, insert, update, delete on table public.dealers to service_role;
