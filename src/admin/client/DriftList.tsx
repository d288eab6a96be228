'use client'
/**
 * A check's drift lists: a tab per list (changed, missing, extra, unmappable) with its count, the bulk
 * actions, and the rows of the tab one page at a time (never more than a page rendered, whatever the
 * count), with the documents' titles and, once a row was opened or acted on, its state as it is now.
 * Keyed by the check's run: a new check starts with fresh lists.
 */
import { Button, Pagination, toast } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { DocumentStatus } from '../../ops/compare.js'
import type { ValidateResult } from '../../ops/validate.js'
import {
  driftTabLabels,
  driftTabs,
  firstDriftTab,
  type DriftLists,
  type DriftTab,
} from '../present/driftLists.js'
import { documentHref } from '../present/links.js'
import { pageOf } from '../present/paging.js'
import { styles } from '../styles.js'
import { documentStates, documentTitles, type ApiBase } from './api.js'
import { DriftRow } from './DriftRow.js'
import type { useBulkActions } from './useBulkActions.js'
import type { ConfirmRequest } from './useConfirm.js'
import { useRowActions } from './useRowActions.js'

export interface DriftListProps {
  base: ApiBase
  adminRoute: string
  collection: string
  table: string
  titleField?: string
  primaryKey?: string
  canSync: boolean
  canPull: boolean
  deleteOrphans: boolean
  result: ValidateResult
  lists: DriftLists
  bulk: ReturnType<typeof useBulkActions>
  /** A check is running: no bulk action meanwhile. */
  checking: boolean
  confirm: (request: ConfirmRequest) => void
  pageSize: number
}

const count = (n: number) => n.toLocaleString('en-US')

/** The titles of a page's documents (extra rows have none): one request per page. */
function useTitles(props: DriftListProps, tab: DriftTab, ids: string[]) {
  const [titles, setTitles] = useState<Map<string, string>>(new Map())
  const key = ids.join(',')
  useEffect(() => {
    const unknown = ids.filter((id) => !titles.has(id))
    if (tab === 'extra' || !unknown.length) return
    const controller = new AbortController()
    documentTitles(props.base, props.collection, props.titleField, unknown, controller.signal).then(
      (found) =>
        setTitles((prev) => {
          const next = new Map(prev)
          for (const id of unknown) next.set(id, found.get(id) ?? id)
          return next
        }),
      () => {},
    )
    return () => controller.abort()
    // The page's ids (by `key`) decide; `titles` only filters.
  }, [props.base, props.collection, props.titleField, tab, key])
  return (id: string) => titles.get(id) ?? id
}

export function DriftList(props: DriftListProps) {
  const { lists, bulk } = props
  const router = useRouter()
  const [tab, setTab] = useState<DriftTab>(() => firstDriftTab(lists))
  const [pages, setPages] = useState<Record<DriftTab, number>>({
    changed: 1,
    missing: 1,
    extra: 1,
    failed: 1,
  })
  const [states, setStates] = useState<Map<string, DocumentStatus>>(new Map())
  const [open, setOpen] = useState<Set<string>>(new Set())
  const [busy, setBusy] = useState<string | null>(null)
  const page = pageOf(lists[tab], pages[tab], props.pageSize)
  const titleOf = useTitles(props, tab, page.items)
  const fieldsOf = useMemo(
    () => new Map(props.result.changed.map((c) => [c.id, c.fields])),
    [props.result],
  )
  const failureOf = useMemo(
    () => new Map(props.result.failed.map((f) => [f.id, f])),
    [props.result],
  )

  const refresh = useCallback(
    async (ids: string[]) => {
      try {
        const fresh = await documentStates(props.base, props.collection, ids)
        setStates((prev) => new Map([...prev, ...fresh.map((s) => [s.id, s] as const)]))
      } catch (error) {
        toast.error(error instanceof Error ? error.message : String(error))
      }
      router.refresh()
    },
    [props.base, props.collection, router],
  )

  const actions = useRowActions({
    base: props.base,
    collection: props.collection,
    table: props.table,
    deleteOrphans: props.deleteOrphans,
    confirm: props.confirm,
    titleOf,
    stateOf: (id) => states.get(id),
    checkedFields: (id) => fieldsOf.get(id) ?? [],
    setBusy,
    refresh,
  })

  const toggle = (id: string) => {
    const next = new Set(open)
    if (next.has(id)) next.delete(id)
    else {
      next.add(id)
      if (!states.has(id)) void refresh([id])
    }
    setOpen(next)
  }

  const bulkDisabled = bulk.running || props.checking || Boolean(busy)
  return (
    <>
      <div style={styles.tabs} role="tablist" aria-label="Differences">
        {driftTabs.map((t) =>
          t === 'failed' && !lists.failed.length ? null : (
            <Button
              key={t}
              buttonStyle={tab === t ? 'primary' : 'secondary'}
              size="small"
              margin={false}
              onClick={() => setTab(t)}
              extraButtonProps={{ role: 'tab', 'aria-selected': tab === t }}
            >
              {`${driftTabLabels[t]} (${count(lists[t].length)})`}
            </Button>
          ),
        )}
        <span style={styles.spacer} />
        {props.canSync && (lists.missing.length || lists.changed.length) ? (
          <Button size="small" margin={false} disabled={bulkDisabled} onClick={bulk.pushAll}>
            Push all
          </Button>
        ) : null}
        {props.canSync && lists.extra.length ? (
          <Button
            buttonStyle="error"
            size="small"
            margin={false}
            disabled={bulkDisabled}
            onClick={bulk.deleteAllExtra}
          >
            Delete all extra
          </Button>
        ) : null}
      </div>

      {page.total === 0 ? (
        <p style={styles.muted}>None.</p>
      ) : (
        <div className="table" style={styles.tableWrap}>
          <table style={styles.table} data-list={tab}>
            <thead>
              <tr>
                <th style={styles.th}>{tab === 'extra' ? 'Row' : 'Document'}</th>
                <th style={styles.th}>
                  {tab === 'changed' ? 'Differing fields' : tab === 'failed' ? 'Cause' : 'State'}
                </th>
                <th style={styles.th}>
                  <span style={styles.srOnly}>Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((id) => (
                <DriftRow
                  key={id}
                  id={id}
                  tab={tab}
                  title={titleOf(id)}
                  href={documentHref(props.adminRoute, props.collection, id)}
                  status={states.get(id)}
                  checkedFields={fieldsOf.get(id) ?? []}
                  failure={failureOf.get(id)}
                  open={open.has(id)}
                  busy={busy === id}
                  disabled={Boolean(busy) || bulk.running}
                  canSync={props.canSync}
                  canPull={props.canPull}
                  primaryKey={props.primaryKey}
                  actions={actions}
                  onToggle={() => toggle(id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.pages > 1 ? (
        <div style={styles.row}>
          <Pagination
            page={page.page}
            totalPages={page.pages}
            hasNextPage={page.page < page.pages}
            hasPrevPage={page.page > 1}
            nextPage={page.page + 1}
            prevPage={page.page - 1}
            limit={props.pageSize}
            onChange={(p) => setPages({ ...pages, [tab]: p })}
          />
          <span style={styles.muted}>
            {count(page.from)}–{count(page.to)} of {count(page.total)}
          </span>
        </div>
      ) : null}
    </>
  )
}
