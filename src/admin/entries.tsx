/**
 * The server components the plugin registers besides the dashboard panel, as exported from
 * `payload-plugin-supabase-sync/rsc`:
 *
 * - `SyncConsoleView`: the sync console at `/admin/supabase-sync` (`admin.components.views`);
 * - `SyncNavLink`: its link in the navigation (`admin.components.afterNavLinks`);
 * - `DocumentSyncField`: the **Supabase** box in the sidebar of every synced document (a `ui` field).
 *
 * Each decides here who sees it (the plugin's `read` right; nothing at all for everyone else: no link,
 * no box, and the admin's not-found page for the view), then loads what it renders — Payload's admin
 * template and `@payloadcms/ui`, which only load inside Next.js — with a dynamic import. So this
 * module, and the `/rsc` entry, still load under plain Node (the dashboard panel renders there too).
 */
import type { ReactNode } from 'react'
import type { AdminViewServerProps, PayloadRequest, ServerProps } from 'payload'
import { formatAdminURL } from 'payload/shared'
import { findRuntime } from '../lifecycle/registry.js'
import { consolePath } from './server/adminUrl.js'
import { rightsOf, rightsOfUser } from './server/rights.js'

/** The console: for users with `read`; anyone else gets the admin's not-found page, and no user the login. */
export async function SyncConsoleView(props: AdminViewServerProps): Promise<ReactNode> {
  const req = props.initPageResult.req
  const payload = req.payload
  const { notFound, redirect } = await import('next/navigation.js')
  const adminRoute = payload.config.routes.admin
  if (!req.user) {
    const here = formatAdminURL({ adminRoute, path: consolePath })
    redirect(
      `${formatAdminURL({ adminRoute, path: payload.config.admin.routes.login })}?redirect=${encodeURIComponent(here)}`,
    )
  }
  const runtime = findRuntime(payload)
  const rights = runtime ? await rightsOf(runtime, req) : undefined
  if (!runtime || !rights?.read) notFound()
  const { ConsoleView } = await import('./ConsoleView.js')
  return <ConsoleView {...props} runtime={runtime!} rights={rights!} />
}

/** The console's link in the navigation, for users with `read`. */
export async function SyncNavLink(props: ServerProps): Promise<ReactNode> {
  const { payload, user } = props
  const runtime = payload ? findRuntime(payload) : undefined
  if (!runtime || !(await rightsOfUser(runtime, payload, user)).read) return null
  const { ConsoleNavLink } = await import('./client/NavLink.js')
  const href = formatAdminURL({ adminRoute: payload.config.routes.admin, path: consolePath })
  return <ConsoleNavLink href={href} label="Supabase sync console" />
}

/** What Payload gives a field's server component (renderField's server props). */
interface FieldServerProps {
  id?: number | string
  collectionSlug?: string
  payload: ServerProps['payload']
  req?: PayloadRequest
  user?: ServerProps['user']
}

/** The sidebar box of a saved document of a synced collection, for users with `read`. */
export async function DocumentSyncField(props: FieldServerProps): Promise<ReactNode> {
  const { payload, collectionSlug, id } = props
  const runtime = payload ? findRuntime(payload) : undefined
  const collection = collectionSlug ? runtime?.collections.get(collectionSlug) : undefined
  if (!runtime || !collection || id === undefined || id === null || id === '') return null
  const rights = props.req?.user
    ? await rightsOf(runtime, props.req)
    : await rightsOfUser(runtime, payload, props.user)
  if (!rights.read) return null
  const { DocumentBox } = await import('./client/DocumentBox.js')
  return (
    <DocumentBox
      collection={collection.slug}
      id={String(id)}
      table={collection.spec.table}
      rights={{ sync: rights.sync, pull: rights.pull }}
      canPullRows={Boolean(collection.mapper.fromRow)}
      primaryKey={collection.spec.primaryKey}
    />
  )
}
