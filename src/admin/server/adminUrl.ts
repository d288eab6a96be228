/** The admin's own links (relative, with the base path), as the panel, the console and its nav link use them. */
import type { Payload } from 'payload'
import { formatAdminURL } from 'payload/shared'

/** The sync console's path under the admin route (`admin.components.views`). */
export const consolePath = '/supabase-sync'

export type AdminUrl = (path: string) => string

export function adminUrlOf(payload: Payload): AdminUrl {
  const { routes, serverURL } = payload.config
  return (path) =>
    formatAdminURL({
      adminRoute: routes.admin,
      path: path as `/${string}`,
      serverURL,
      relative: true,
      includeBasePath: true,
    })
}
