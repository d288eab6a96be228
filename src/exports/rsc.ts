/**
 * The plugin's React Server Components, for Payload's import map (`payload-plugin-supabase-sync/rsc#…`).
 * A separate entry so that the main one (`payload-plugin-supabase-sync`) never loads React. It loads
 * under plain Node too: what needs Next.js (`@payloadcms/ui`, the admin template) is imported only
 * when the console, the nav link or the sidebar box renders.
 */
export { SyncHealth } from '../admin/SyncHealth.js'
export { DocumentSyncField, SyncConsoleView, SyncNavLink } from '../admin/entries.js'
