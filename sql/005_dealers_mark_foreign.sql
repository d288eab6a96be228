-- Edits made in dealers directly (the table editor, a script) are told from the plugin's deliveries:
-- such a row gets the largest sync_version, so the next delivery of its document finds it (stale),
-- replaces it (Payload wins) and records the conflict. Needs sql/002 (v6: supabase_sync_mark_foreign).
-- Not with writeMode 'upsert' (no apply function: every write would look foreign).
-- Idempotent: safe to run again.
drop trigger if exists supabase_sync_mark_foreign on public."dealers";
create trigger supabase_sync_mark_foreign before insert or update on public."dealers"
  for each row execute function public.supabase_sync_mark_foreign('sync_version');
