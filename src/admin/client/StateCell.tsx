'use client'
/**
 * The list view's narrow **Supabase** column: each row's state as a pill (In sync, Pending, Failed,
 * Differs, Not in Supabase). The cells of a page ask together: every cell that mounts in the same
 * tick joins one `GET …/documents` request with all their ids (up to 150 a request), so a page costs
 * one request to Supabase, not one per row. A user without the plugin's `read` right gets 403 once and
 * then empty cells.
 */
import { Pill, useConfig } from '@payloadcms/ui'
import { useEffect, useState } from 'react'
import type { DocumentStatus } from '../../ops/compare.js'
import { describeState } from '../present/documentState.js'
import { ApiError, apiBase, documentStates } from './api.js'

type Waiter = (status: DocumentStatus | undefined) => void

interface Batch {
  base: string
  collection: string
  waiters: Map<string, Waiter[]>
}

const batches = new Map<string, Batch>()
/** Collections whose states this user may not read (403/401): no more requests for a while. */
const refused = new Map<string, number>()
/** Recent answers by collection, id and the row's updatedAt: a re-render asks nothing. */
const recent = new Map<string, { status: DocumentStatus | undefined; at: number }>()
const recentMs = 10_000
const refusedMs = 60_000

function flush(key: string): void {
  const batch = batches.get(key)
  batches.delete(key)
  if (!batch) return
  const ids = [...batch.waiters.keys()]
  const answer = (states: Map<string, DocumentStatus>) => {
    for (const [id, waiters] of batch.waiters) for (const w of waiters) w(states.get(id))
  }
  documentStates(batch.base, batch.collection, ids).then(
    (states) => answer(new Map(states.map((s) => [s.id, s]))),
    (error: unknown) => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403))
        refused.set(key, Date.now())
      answer(new Map())
    },
  )
}

/** The state of one document, asked together with every other cell that asks in the same tick. */
export function stateOf(
  base: string,
  collection: string,
  id: string,
): Promise<DocumentStatus | undefined> {
  const key = `${base}|${collection}`
  const refusedAt = refused.get(key)
  if (refusedAt && Date.now() - refusedAt < refusedMs) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    let batch = batches.get(key)
    if (!batch) {
      batch = { base, collection, waiters: new Map() }
      batches.set(key, batch)
      setTimeout(() => flush(key), 0)
    }
    batch.waiters.set(id, [...(batch.waiters.get(id) ?? []), resolve])
  })
}

interface CellProps {
  rowData?: { id?: unknown; updatedAt?: unknown }
  collectionSlug?: string
}

export function SyncStateCell({ rowData, collectionSlug }: CellProps) {
  const { config } = useConfig()
  const base = apiBase(config)
  const id = rowData?.id === undefined || rowData?.id === null ? undefined : String(rowData.id)
  const version = typeof rowData?.updatedAt === 'string' ? rowData.updatedAt : ''
  const cacheKey = `${base}|${collectionSlug}|${id}|${version}`
  const cached = recent.get(cacheKey)
  const [status, setStatus] = useState<DocumentStatus | undefined>(
    cached && Date.now() - cached.at < recentMs ? cached.status : undefined,
  )
  useEffect(() => {
    if (!id || !collectionSlug) return
    const hit = recent.get(cacheKey)
    if (hit && Date.now() - hit.at < recentMs) {
      setStatus(hit.status)
      return
    }
    let alive = true
    void stateOf(base, collectionSlug, id).then((s) => {
      recent.set(cacheKey, { status: s, at: Date.now() })
      if (alive) setStatus(s)
    })
    return () => {
      alive = false
    }
  }, [base, collectionSlug, id, cacheKey])
  if (!status) return null
  const view = describeState(status)
  return (
    <span
      className="supabase-sync-cell"
      data-state={view.key}
      title={view.detail ? `${view.label}: ${view.detail}` : view.label}
    >
      <Pill size="small" pillStyle={view.pill}>
        {view.label}
      </Pill>
    </span>
  )
}

/**
 * The column's heading: a small database glyph named "Supabase" for assistive technology (and in a
 * tooltip), so that the column stays narrow.
 */
export function SyncStateHeading() {
  return (
    <span
      className="supabase-sync-heading"
      role="img"
      aria-label="Supabase"
      title="State in Supabase"
      style={{ display: 'inline-flex', alignItems: 'center' }}
    >
      <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <g fill="none" stroke="currentColor" strokeWidth="2">
          <ellipse cx="12" cy="5" rx="8" ry="3" />
          <path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5" />
          <path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
        </g>
      </svg>
    </span>
  )
}
