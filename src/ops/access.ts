/**
 * Who may look at and who may change the sync. Four rights: `read` (status, validate, the dashboard
 * panel, the Sync events), `sync` (sync, retry), `pull` (write Supabase's values into Payload — and
 * then also the collection's own update access, per document), `reset`. By default only users of the
 * admin's user collection (`config.admin.user`) have them; a user of any other auth collection (a
 * customers collection with public sign-up, an API key of another collection) has none.
 */
import type { PayloadRequest } from 'payload'
import type { AccessFunction, ResolvedOptions } from '../options.js'

export type Right = 'read' | 'sync' | 'pull' | 'reset'

/** A user of the admin's own user collection. */
export const adminUser: AccessFunction = ({ req }) => {
  const user = req.user as { collection?: string } | null | undefined
  return Boolean(user && user.collection === req.payload.config.admin.user)
}

export type Access = Record<Right, AccessFunction>

export function resolveAccess(option: ResolvedOptions['access']): Access {
  if (typeof option === 'function')
    return { read: option, sync: option, pull: option, reset: option }
  const sync = option?.sync ?? adminUser
  return {
    read: option?.read ?? adminUser,
    sync,
    pull: option?.pull ?? adminUser,
    reset: option?.reset ?? sync,
  }
}

/** Whether the request's user has the right; false without a user, or when the check throws. */
export async function allowed(access: Access, right: Right, req: PayloadRequest): Promise<boolean> {
  if (!req.user) return false
  try {
    return (await access[right]({ req })) === true
  } catch {
    return false
  }
}
