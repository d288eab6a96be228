-- The Supabase side of the dealers mapping (Payload is the source of truth; see README "Supabase schema").
-- Apply to your Supabase project once: paste into the SQL editor, or `psql "$SUPABASE_DB_URL" -f sql/001_dealers.sql`.
-- Idempotent: safe to run again.

create table if not exists public.dealers (
  id          uuid primary key,
  name        text not null,
  slug        text not null unique,
  domain      text,
  rooftop_id  text,
  api_config  jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null,
  updated_at  timestamptz,
  -- Written by the plugin, not by the mapping: the stale-write guard's version (see sql/002).
  sync_version bigint
);

-- Tables created by plugin version 0.1 have no sync_version yet.
alter table public.dealers add column if not exists sync_version bigint;

create index if not exists dealers_rooftop_id_idx on public.dealers (rooftop_id);

-- Only the service role (which the plugin uses, and which bypasses RLS) writes this table.
-- RLS on and no policy: the anon and authenticated roles see nothing and can change nothing.
alter table public.dealers enable row level security;
revoke all on table public.dealers from anon, authenticated;
grant select, insert, update, delete on table public.dealers to service_role;
