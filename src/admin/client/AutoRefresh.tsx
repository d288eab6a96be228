'use client'
/**
 * The console header's refresh: `router.refresh()` re-renders the server components (the status is read
 * again) without a full reload — every few seconds while the tab is visible, and on **Refresh**.
 */
import { Button } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useEffect, useState, useTransition } from 'react'
import { styles } from '../styles.js'

/**
 * Re-renders the console's server components `everyMs` after the last render (while the tab is
 * visible), and on **Refresh**. The next refresh is scheduled only once the previous one has rendered,
 * so a slow server (a big table, a busy machine) never gets a second one while the first is under way;
 * any other re-render (after an action) starts the wait again. `data-live` says it is running (the
 * page has hydrated).
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
  const [live, setLive] = useState(false)
  useEffect(() => setLive(true), [])
  useEffect(() => {
    if (pending) return
    let timer: ReturnType<typeof setTimeout>
    const tick = () => {
      if (document.visibilityState === 'visible') startTransition(() => router.refresh())
      else timer = setTimeout(tick, everyMs)
    }
    timer = setTimeout(tick, everyMs)
    return () => clearTimeout(timer)
  }, [pending, renderedAt, router, everyMs])
  return (
    <span style={styles.row} className="supabase-sync-refresh" data-live={live || undefined}>
      <span style={styles.muted} aria-live="polite">
        updated {renderedAt.slice(11, 19)} UTC{pending ? ' …' : ''}
      </span>
      <Button
        buttonStyle="secondary"
        size="small"
        margin={false}
        disabled={pending}
        onClick={() => startTransition(() => router.refresh())}
      >
        Refresh
      </Button>
    </span>
  )
}
