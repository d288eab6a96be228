'use client'
/**
 * The console header's refresh: `router.refresh()` re-renders the server components (the status is read
 * again) without a full reload — every few seconds while the tab is visible, and on **Refresh**.
 */
import { Button } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useEffect, useRef, useTransition } from 'react'
import { styles } from '../styles.js'

/**
 * Re-renders the console's server components every `everyMs` while the tab is visible (never while
 * the previous refresh is still rendering), and on "Refresh".
 */
export function AutoRefresh({
  renderedAt,
  everyMs = 5_000,
}: {
  renderedAt: string
  everyMs?: number
}) {
  const router = useRouter()
  const [pending, startTransition] = useTransition()
  // A slow server (a big table, a busy machine) must not get a second refresh while one is rendering.
  const busy = useRef(false)
  busy.current = pending
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !busy.current)
        startTransition(() => router.refresh())
    }, everyMs)
    return () => clearInterval(timer)
  }, [router, everyMs])
  return (
    <span style={styles.row} className="supabase-sync-refresh">
      <span style={styles.muted} aria-live="polite">
        updated {renderedAt.slice(11, 19)} UTC{pending ? ' …' : ''}
      </span>
      <Button
        buttonStyle="secondary"
        size="small"
        margin={false}
        onClick={() => startTransition(() => router.refresh())}
      >
        Refresh
      </Button>
    </span>
  )
}
