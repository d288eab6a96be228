'use client'
/**
 * The plugin's client components, for Payload's import map (`payload-plugin-supabase-sync/client#…`)
 * and for the server components of `payload-plugin-supabase-sync/rsc`, which render them. Built on
 * `@payloadcms/ui` (Button, Pill, ConfirmationModal with `useModal`, Drawer, Pagination, toast), so
 * they only run inside Payload's admin.
 */
export { CompareTable, type CompareTableProps } from '../admin/client/CompareTable.js'
export { AutoRefresh } from '../admin/client/AutoRefresh.js'
export { DocumentBox, type DocumentBoxProps } from '../admin/client/DocumentBox.js'
export { DriftPanel, type DriftPanelProps } from '../admin/client/DriftPanel.js'
export { EventsFilter } from '../admin/client/EventsFilter.js'
export { ConsoleNavLink } from '../admin/client/NavLink.js'
export { RetryButton } from '../admin/client/RetryButton.js'
export { SyncStateCell, SyncStateHeading } from '../admin/client/StateCell.js'
