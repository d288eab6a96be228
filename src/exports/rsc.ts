/**
 * The plugin's React Server Components, for Payload's import map (`payload-plugin-supabase-sync/rsc#…`).
 * A separate entry so that the main one (`payload-plugin-supabase-sync`) never loads React.
 */
export { SyncHealth } from '../admin/SyncHealth.js'
