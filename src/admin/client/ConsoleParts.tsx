'use client'
/**
 * The sync console's small client parts: the header's refresh (`router.refresh()`: the server
 * components read the status again, without a full reload; every 5 s while the tab is visible, and
 * on demand), **Retry** / **Retry all** for failed deliveries (`POST …/retry`, confirmed in a modal),
 * and the Sync events filter (collection, document), which keeps its state in the URL.
 */
import { Button, toast, useConfig } from '@payloadcms/ui'
import { usePathname, useRouter, useSearchParams } from 'next/navigation.js'
import { useEffect, useRef, useState, useTransition, type FormEvent } from 'react'
import type { SyncResult } from '../../ops/options.js'
import { describeSyncResult } from '../present.js'
import { styles } from '../styles.js'
import { apiBase, postJson } from './api.js'
import { useConfirm } from './useConfirm.js'

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

/** **Retry** (one document) or **Retry all** (every failed delivery of the collection). */
export function RetryButton(props: {
  collection: string
  /** One document; all failed ones of the collection when absent. */
  id?: string
  title?: string
  count?: number
}) {
  const { config } = useConfig()
  const router = useRouter()
  const { confirm, modal } = useConfirm()
  const [busy, setBusy] = useState(false)
  const label = props.id ? 'Retry' : 'Retry all'
  const what = props.id
    ? `“${props.title ?? props.id}”`
    : `${props.count ?? 'all'} failed ${props.collection} documents`
  return (
    <>
      {modal}
      <Button
        buttonStyle={props.id ? 'secondary' : 'primary'}
        size="small"
        margin={false}
        disabled={busy}
        onClick={() =>
          confirm({
            heading: label,
            confirmLabel: label,
            body: (
              <p>
                Delivers {what} again: each is read as it is now in Payload and its row in Supabase
                is overwritten. If the cause is not fixed, it fails again with its cause. Recorded
                in the Sync events with your name.
              </p>
            ),
            run: async () => {
              setBusy(true)
              try {
                const r = await postJson<SyncResult & { retried: string[] }>(
                  apiBase(config),
                  '/supabase-sync/retry',
                  { collection: props.collection, ...(props.id ? { ids: [props.id] } : {}) },
                )
                const said = describeSyncResult(r)
                const text = `${label}: ${r.retried.length} retried — ${said.text}`
                if (said.ok) toast.success(text)
                else toast.error(text)
              } finally {
                setBusy(false)
                router.refresh()
              }
            },
          })
        }
      >
        {label}
      </Button>
    </>
  )
}

/** The Sync events filter: by collection and by document id, kept in the URL (`events_collection`, `events_document`). */
export function EventsFilter(props: { collections: Array<{ slug: string; label: string }> }) {
  const router = useRouter()
  const pathname = usePathname()
  const params = useSearchParams()
  const [collection, setCollection] = useState(params.get('events_collection') ?? '')
  const [document, setDocument] = useState(params.get('events_document') ?? '')
  const apply = (event?: FormEvent, next?: { collection: string; document: string }) => {
    event?.preventDefault()
    const query = new URLSearchParams(params.toString())
    const values = next ?? { collection, document }
    if (values.collection) query.set('events_collection', values.collection)
    else query.delete('events_collection')
    if (values.document.trim()) query.set('events_document', values.document.trim())
    else query.delete('events_document')
    query.delete('events_page')
    router.replace(`${pathname}${query.size ? `?${query}` : ''}`, { scroll: false })
  }
  return (
    <form onSubmit={apply} style={styles.row} className="supabase-sync-events-filter">
      <label style={styles.row}>
        <span style={styles.muted}>Collection</span>
        <select
          value={collection}
          onChange={(e) => {
            setCollection(e.target.value)
            apply(undefined, { collection: e.target.value, document })
          }}
          aria-label="Filter by collection"
        >
          <option value="">all</option>
          {props.collections.map((c) => (
            <option key={c.slug} value={c.slug}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label style={styles.row}>
        <span style={styles.muted}>Document</span>
        <input
          type="search"
          value={document}
          placeholder="document id"
          aria-label="Filter by document id"
          onChange={(e) => setDocument(e.target.value)}
          style={{ minWidth: '22ch' }}
        />
      </label>
      <Button type="submit" buttonStyle="secondary" size="small" margin={false}>
        Filter
      </Button>
      {collection || document ? (
        <Button
          buttonStyle="transparent"
          size="small"
          margin={false}
          onClick={() => {
            setCollection('')
            setDocument('')
            apply(undefined, { collection: '', document: '' })
          }}
        >
          Clear
        </Button>
      ) : null}
    </form>
  )
}
