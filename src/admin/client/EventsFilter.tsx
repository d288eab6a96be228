'use client'
/** The Sync events filter of the console: by collection and by document id, kept in the URL. */
import { Button } from '@payloadcms/ui'
import { usePathname, useRouter, useSearchParams } from 'next/navigation.js'
import { useState, type FormEvent } from 'react'
import { styles } from '../styles.js'

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
