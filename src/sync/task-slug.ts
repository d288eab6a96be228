export const syncTaskSlug = 'supabase-sync'
