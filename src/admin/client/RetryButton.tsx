'use client'
/**
 * **Retry** (one failed delivery) and **Retry all** (every failed delivery of a collection): confirmed
 * in a modal, then `POST …/retry` (recorded in the Sync events with the user); the console re-renders.
 */
import { Button, toast, useConfig } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useState } from 'react'
import type { SyncResult } from '../../ops/options.js'
import { describeSyncResult } from '../present/describeRun.js'
import { apiBase, postJson } from './api.js'
import { useConfirm } from './useConfirm.js'

/** **Retry** (one document) or **Retry all** (every failed delivery of the collection). */
export function RetryButton(props: {
  collection: string
  /** One document; all failed ones of the collection when absent. */
  id?: string
  title?: string
  /** Retry all: how many documents of the collection failed for good (all of them, not those listed). */
  count?: number
}) {
  const { config } = useConfig()
  const router = useRouter()
  const { confirm, modal } = useConfirm()
  const [busy, setBusy] = useState(false)
  const label = props.id ? 'Retry' : 'Retry all'
  const what = props.id
    ? `“${props.title ?? props.id}”`
    : props.count === undefined
      ? `every failed ${props.collection} document`
      : `all ${props.count.toLocaleString('en-US')} failed ${props.collection} document${props.count === 1 ? '' : 's'}`
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
