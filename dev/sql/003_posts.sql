-- The Supabase side of the dev app's `posts` (dev/collections/posts.ts): an example of a collection with
-- drafts, trash and two locales. Only published, untrashed posts whose audience is not internal are here.
-- The dev app and the tests apply it (dev/stack.ts); it is not part of the package.
-- Idempotent: safe to run again.

create table if not exists public.posts (
  id            uuid primary key,
  -- Deferrable: two posts may trade slugs (see sql/001_dealers.sql).
  slug          text not null unique deferrable initially immediate,
  -- The default locale (en).
  title         text not null,
  excerpt       text,
  -- Every locale, {"en": {"title", "excerpt"}, "de": {...}}, when the mapper maps them all
  -- (postMapperAllLocales); null with the default-locale mapper (postMapper).
  translations  jsonb,
  created_at    timestamptz not null,
  updated_at    timestamptz,
  -- Written by the plugin: the stale-write guard's version (sql/002).
  sync_version  bigint
);

-- A posts table of a dev data directory made before the slug was deferrable: made so.
do $$
begin
  if exists (
    select 1 from pg_catalog.pg_constraint
     where conrelid = 'public.posts'::regclass and conname = 'posts_slug_key' and not condeferrable
  ) then
    alter table public.posts
      drop constraint posts_slug_key,
      add constraint posts_slug_key unique (slug) deferrable initially immediate;
  end if;
end $$;

alter table public.posts add column if not exists sync_version bigint;

-- Only the service role (which the plugin uses, and which bypasses RLS) writes this table.
-- RLS on and no policy: the anon and authenticated roles see nothing and can change nothing.
alter table public.posts enable row level security;
revoke all on table public.posts from anon, authenticated;
grant select, insert, update, delete on table public.posts to service_role;

-- Edits made in posts directly are marked (sql/002's supabase_sync_mark_foreign, applied before this).
drop trigger if exists supabase_sync_mark_foreign on public."posts";
create trigger supabase_sync_mark_foreign before insert or update on public."posts"
  for each row execute function public.supabase_sync_mark_foreign('sync_version');
