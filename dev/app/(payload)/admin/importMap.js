import { SyncHealth as SyncHealth_aa3c026b1f777023b8cb66c9509309fd } from 'payload-plugin-supabase-sync/rsc'
import { CollectionCards as CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1 } from '@payloadcms/next/rsc'

/** @type import('payload').ImportMap */
export const importMap = {
  "payload-plugin-supabase-sync/rsc#SyncHealth": SyncHealth_aa3c026b1f777023b8cb66c9509309fd,
  "@payloadcms/next/rsc#CollectionCards": CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1
}
