/**
 * The plugin's four rights (read, sync, pull, reset) of the admin's user, as the endpoints decide them
 * (`access` option): what the console, its nav link and the sidebar box show, and to whom.
 */
import { createLocalReq, type Payload, type PayloadRequest, type ServerProps } from 'payload'
import type { SyncRuntime } from '../../lifecycle/runtime.js'
import { allowed, resolveAccess, type Right } from '../../ops/access.js'

export type Rights = Record<Right, boolean>

export const noRights: Rights = { read: false, sync: false, pull: false, reset: false }

/** The plugin's four rights for the request's user (all false without a user). */
export async function rightsOf(runtime: SyncRuntime, req: PayloadRequest): Promise<Rights> {
  if (!req.user) return noRights
  const access = resolveAccess(runtime.options.access)
  const [read, sync, pull, reset] = await Promise.all(
    (['read', 'sync', 'pull', 'reset'] as const).map((right) => allowed(access, right, req)),
  )
  return { read, sync, pull, reset }
}

/** The rights of a user given as a server component's `user` prop (no request at hand). */
export async function rightsOfUser(
  runtime: SyncRuntime,
  payload: Payload,
  user: ServerProps['user'] | null | undefined,
): Promise<Rights> {
  if (!user) return noRights
  try {
    const req = await createLocalReq({ user: user as never }, payload)
    return await rightsOf(runtime, req)
  } catch {
    return noRights
  }
}
