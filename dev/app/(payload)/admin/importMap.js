import { DocumentSyncField as DocumentSyncField_aa3c026b1f777023b8cb66c9509309fd } from 'payload-plugin-supabase-sync/rsc'
import { SyncStateCell as SyncStateCell_d04a7172ea5bd3f496de1607c5b40f5f } from 'payload-plugin-supabase-sync/client'
import { SyncStateHeading as SyncStateHeading_d04a7172ea5bd3f496de1607c5b40f5f } from 'payload-plugin-supabase-sync/client'
import { SyncNavLink as SyncNavLink_aa3c026b1f777023b8cb66c9509309fd } from 'payload-plugin-supabase-sync/rsc'
import { SyncHealth as SyncHealth_aa3c026b1f777023b8cb66c9509309fd } from 'payload-plugin-supabase-sync/rsc'
import { SyncConsoleView as SyncConsoleView_aa3c026b1f777023b8cb66c9509309fd } from 'payload-plugin-supabase-sync/rsc'
import { CollectionCards as CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1 } from '@payloadcms/next/rsc'

/** @type import('payload').ImportMap */
export const importMap = {
  "payload-plugin-supabase-sync/rsc#DocumentSyncField": DocumentSyncField_aa3c026b1f777023b8cb66c9509309fd,
  "payload-plugin-supabase-sync/client#SyncStateCell": SyncStateCell_d04a7172ea5bd3f496de1607c5b40f5f,
  "payload-plugin-supabase-sync/client#SyncStateHeading": SyncStateHeading_d04a7172ea5bd3f496de1607c5b40f5f,
  "payload-plugin-supabase-sync/rsc#SyncNavLink": SyncNavLink_aa3c026b1f777023b8cb66c9509309fd,
  "payload-plugin-supabase-sync/rsc#SyncHealth": SyncHealth_aa3c026b1f777023b8cb66c9509309fd,
  "payload-plugin-supabase-sync/rsc#SyncConsoleView": SyncConsoleView_aa3c026b1f777023b8cb66c9509309fd,
  "@payloadcms/next/rsc#CollectionCards": CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1
}
