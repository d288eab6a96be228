'use client'
/**
 * The sync console's link in the admin's navigation (`admin.components.afterNavLinks`), styled like
 * Payload's own nav links (with the active indicator). Rendered only for users with `read`: the
 * server component `SyncNavLink` decides.
 */
import { Link } from '@payloadcms/ui'
import { usePathname } from 'next/navigation.js'

export function ConsoleNavLink({ href, label }: { href: string; label: string }) {
  const pathname = usePathname()
  const active = pathname === href || pathname.startsWith(`${href}/`)
  const content = (
    <>
      {active ? <div className="nav__link-indicator" /> : null}
      <span className="nav__link-label">{label}</span>
    </>
  )
  return (
    <div className="supabase-sync-nav" style={{ marginTop: 'calc(var(--base) * 0.5)' }}>
      {active ? (
        <div className="nav__link" id="nav-supabase-sync" aria-current="page">
          {content}
        </div>
      ) : (
        <Link className="nav__link" href={href} id="nav-supabase-sync" prefetch={false}>
          {content}
        </Link>
      )}
    </div>
  )
}
