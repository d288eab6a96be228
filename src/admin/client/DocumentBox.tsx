'use client'
/**
 * The **Supabase** box in the sidebar of a synced document's edit view: its state — In sync, Pending
 * (since when), Failed (cause), Differs (which fields), Not in Supabase (why) — from
 * `GET …/documents?id=…`, read again after every save and every second while a delivery is pending;
 * and **Sync now** (`POST …/sync {ids}`), **Compare** (the side-by-side table, in a drawer) and
 * **Pull into Payload** (`POST …/pull {ids}`; the form is then reloaded with the pulled values).
 */
import {
  Button,
  Drawer,
  Pill,
  toast,
  useConfig,
  useDocumentInfo,
  useForm,
  useLocale,
  useModal,
} from '@payloadcms/ui'
import { useCallback, useEffect, useId, useRef, useState } from 'react'
import type { DocumentStatus } from '../../ops/compare.js'
import type { SyncResult } from '../../ops/options.js'
import type { PullResult } from '../../ops/pull.js'
import { describePullResult, describeSyncResult } from '../present/describeRun.js'
import { describeState } from '../present/documentState.js'
import { styles } from '../styles.js'
import { apiBase, documentForForm, documentStates, postJson } from './api.js'
import { CompareTable } from './CompareTable.js'
import { useConfirm } from './useConfirm.js'

export interface DocumentBoxProps {
  collection: string
  id: string
  table: string
  rights: { sync: boolean; pull: boolean }
  /** The mapper maps rows back (`fromRow`). */
  canPullRows: boolean
  primaryKey?: string
}

const pendingPollMs = 1_000
const pendingPollFor = 120_000

export function DocumentBox(props: DocumentBoxProps) {
  const { config, getEntityConfig } = useConfig()
  const base = apiBase(config)
  // The form's locale (`?locale=de`); none when the config is not localized.
  const locale = useLocale() as { code?: unknown } | false
  const localeCode = locale && typeof locale.code === 'string' ? locale.code : undefined
  const defaultLocale = config.localization ? config.localization.defaultLocale : undefined
  const drafts = Boolean(getEntityConfig({ collectionSlug: props.collection })?.versions?.drafts)
  const { savedDocumentData, updateSavedDocumentData } = useDocumentInfo()
  const { reset } = useForm()
  const { openModal } = useModal()
  const { confirm, modal } = useConfirm()
  const drawerSlug = `supabase-sync-compare-${useId().replace(/[^A-Za-z0-9]/g, '')}`
  const [status, setStatus] = useState<DocumentStatus | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const pollUntil = useRef(0)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const alive = useRef(true)

  const load = useCallback(async () => {
    clearTimeout(timer.current)
    try {
      const [state] = await documentStates(base, props.collection, [props.id])
      if (!alive.current) return
      setStatus(state ?? null)
      setError(null)
      // While a delivery is pending (or right after a save), look again shortly.
      if (state?.pendingSince && Date.now() < pollUntil.current)
        timer.current = setTimeout(load, pendingPollMs)
    } catch (err) {
      if (!alive.current) return
      setError(err instanceof Error ? err.message : String(err))
    }
  }, [base, props.collection, props.id])

  const savedAt = (savedDocumentData as { updatedAt?: string } | undefined)?.updatedAt
  useEffect(() => {
    alive.current = true
    pollUntil.current = Date.now() + pendingPollFor
    void load()
    return () => {
      alive.current = false
      clearTimeout(timer.current)
    }
  }, [load, savedAt])

  const view = status ? describeState(status) : undefined
  const canPull = props.rights.pull && props.canPullRows

  /**
   * After a pull the document changed under the form: the form takes the new values — read in the
   * form's own locale (and its latest version), or the next autosave would write another locale's
   * values into this one.
   */
  const reloadForm = async () => {
    const doc = await documentForForm(base, props.collection, props.id, {
      locale: localeCode,
      drafts,
    })
    await reset(doc)
    updateSavedDocumentData(doc)
  }

  const syncNow = () =>
    confirm({
      heading: 'Sync now',
      confirmLabel: 'Sync now',
      body: (
        <p>
          Writes this document&apos;s row in Supabase&apos;s {props.table} table as the document is
          saved in Payload now
          {status?.fields?.length
            ? `: Supabase's values of ${status.fields.map((f) => f.field).join(', ')} are overwritten`
            : ''}
          . Unsaved changes in this form are not included. Recorded in the Sync events.
        </p>
      ),
      run: async () => {
        setBusy(true)
        try {
          const r = await postJson<SyncResult>(base, '/supabase-sync/sync', {
            collection: props.collection,
            ids: [props.id],
          })
          const said = describeSyncResult(r)
          if (said.ok) toast.success(`Sync now: ${said.text}`)
          else toast.error(`Sync now: ${said.text}`)
          pollUntil.current = Date.now() + pendingPollFor
          await load()
        } finally {
          setBusy(false)
        }
      },
    })

  const pull = (field?: string) => {
    const fields = status?.fields ?? []
    const writable = fields.filter((f) => !f.readOnly).map((f) => f.field)
    const readOnly = fields.filter((f) => f.readOnly).map((f) => f.field)
    const title = field ? 'Use Supabase value' : 'Pull into Payload'
    confirm({
      heading: title,
      confirmLabel: title,
      body: (
        <p>
          {field
            ? `Overwrites ${field} of this document in Payload with Supabase's value; Payload's row is then delivered back to Supabase, so the other differing fields get Payload's values there.`
            : `Overwrites this document in Payload with Supabase's values of ${writable.join(', ') || 'the differing fields'}${readOnly.length ? ` (read-only, not pulled: ${readOnly.join(', ')})` : ''}.`}{' '}
          {localeCode && defaultLocale && localeCode !== defaultLocale
            ? `Supabase's values are written into the default locale (${defaultLocale}), as the row maps it; the ${localeCode} values in this form stay as they are. `
            : ''}
          Saved as you, under the collection&apos;s update access; unsaved changes in this form are
          discarded. Recorded in the Sync events.
        </p>
      ),
      run: async () => {
        setBusy(true)
        try {
          const r = await postJson<PullResult>(base, '/supabase-sync/pull', {
            collection: props.collection,
            ids: [props.id],
            ...(field ? { fields: [field] } : {}),
          })
          const said = describePullResult(r)
          if (said.ok) toast.success(`${title}: ${said.text}`)
          else toast.error(`${title}: ${said.text}`)
          if (r.pulled.length) await reloadForm()
          pollUntil.current = Date.now() + pendingPollFor
          await load()
        } finally {
          setBusy(false)
        }
      },
    })
  }

  return (
    <div
      className="supabase-sync-document"
      data-state={view?.key ?? (error ? 'error' : 'loading')}
      style={styles.box}
      role="region"
      aria-label="Supabase"
    >
      {modal}
      <div style={{ ...styles.row, marginBottom: '6px' }}>
        <strong>Supabase</strong>
        {view ? (
          <Pill size="small" pillStyle={view.pill} className="supabase-sync-document__state">
            {view.label}
          </Pill>
        ) : (
          <span style={styles.muted}>{error ? 'unknown' : 'loading …'}</span>
        )}
      </div>
      {view?.detail ? (
        <p
          style={{ ...styles.muted, margin: '0 0 6px' }}
          className="supabase-sync-document__detail"
        >
          {view.key === 'differs' ? 'Differs in: ' : ''}
          {view.detail}
        </p>
      ) : null}
      {view && view.key !== 'differs' && view.fields?.length ? (
        <p style={{ ...styles.muted, margin: '0 0 6px' }}>Differs in: {view.fields.join(', ')}</p>
      ) : null}
      {error ? <p style={{ ...styles.bad, margin: '0 0 6px' }}>{error}</p> : null}
      <div style={styles.row}>
        {props.rights.sync ? (
          <Button size="small" margin={false} disabled={busy} onClick={syncNow}>
            Sync now
          </Button>
        ) : null}
        <Button
          buttonStyle="secondary"
          size="small"
          margin={false}
          onClick={() => {
            void load()
            openModal(drawerSlug)
          }}
        >
          Compare
        </Button>
        {canPull && status?.state === 'differs' ? (
          <Button
            buttonStyle="secondary"
            size="small"
            margin={false}
            disabled={busy}
            onClick={() => pull()}
          >
            Pull into Payload
          </Button>
        ) : null}
      </div>
      <Drawer
        slug={drawerSlug}
        title="Compare with Supabase"
        className="supabase-sync-compare-drawer"
      >
        {view ? (
          <div style={{ ...styles.row, marginBottom: 'calc(var(--base) * 0.5)' }}>
            <Pill size="small" pillStyle={view.pill}>
              {view.label}
            </Pill>
            {view.detail ? <span style={styles.muted}>{view.detail}</span> : null}
          </div>
        ) : null}
        {status?.state === 'differs' ? (
          <CompareTable
            fields={status.fields}
            canPull={canPull}
            busyField={busy ? 'busy' : null}
            primaryKey={props.primaryKey}
            onUseSupabaseValue={(field) => pull(field)}
          />
        ) : (
          <p style={styles.muted}>
            {status?.state === 'in-sync'
              ? 'Supabase holds exactly what Payload would write: no differing fields.'
              : 'Nothing to compare field by field.'}
          </p>
        )}
      </Drawer>
    </div>
  )
}
