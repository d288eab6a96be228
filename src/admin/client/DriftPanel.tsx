'use client'
/**
 * The console's drift section for one synced collection. **Check now** starts a validate as a
 * background run (`POST …/runs {op: 'validate'}`) and polls `GET …/runs/:id` for its progress, so a
 * large table never blocks the page; the result lists missing, extra, changed and unmappable rows, a
 * page at a time (never more than one page rendered, whatever the count). A changed row opens the
 * side-by-side table (`GET …/documents?id=…`). Actions — each behind the matching right, each
 * confirmed in a modal, each recorded in the Sync events by the endpoint: per changed row **Push to
 * Supabase**, **Pull into Payload** and per field **Use Supabase value**; per missing row **Push to
 * Supabase**; per extra row **Delete from Supabase**; for the lists **Push all** and **Delete all
 * extra** (background runs, behind the mass-delete guard).
 */
import { Button, Pagination, Pill, toast, useConfig } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { DocumentStatus } from '../../ops/compare.js'
import type { RunState } from '../../ops/runs.js'
import type { PullResult } from '../../ops/pull.js'
import type { SyncResult } from '../../ops/options.js'
import type { ValidateResult } from '../../ops/validate.js'
import {
  describeCheck,
  describeProgress,
  describeState,
  describeSyncResult,
  describePullResult,
  formatAge,
  pageOf,
  progressFraction,
} from '../present.js'
import { progressFill, styles } from '../styles.js'
import {
  apiBase,
  documentStates,
  documentTitles,
  getRun,
  postJson,
  startRun,
  type ApiBase,
} from './api.js'
import { CompareTable } from './CompareTable.js'
import { useConfirm } from './useConfirm.js'

export interface DriftPanelProps {
  collection: string
  /** The collection's label (plural). */
  label: string
  table: string
  titleField?: string
  primaryKey?: string
  rights: { sync: boolean; pull: boolean }
  /** The mapper maps rows back (`fromRow`): pull is possible at all. */
  canPullRows: boolean
  /** The mass-delete guard (maxDeleteFraction) and whether extra rows are deleted at all (deleteOrphans). */
  guard: { maxDeleteFraction: number; deleteOrphans: boolean }
  /**
   * The last check as the panel knows it (before this page ran one), in words with its age: computed
   * by the server when it renders, so that the server's and the browser's HTML agree.
   */
  lastCheckText?: string
  /** A validate run of this collection in this app instance, to show its lists after a reload. */
  lastRunId?: string
  /** Rows per page in the lists (default 25). */
  pageSize?: number
}

type Tab = 'changed' | 'missing' | 'extra' | 'failed'

const tabLabels: Record<Tab, string> = {
  changed: 'Changed rows',
  missing: 'Missing rows',
  extra: 'Extra rows',
  failed: 'Unmappable',
}

const pollMs = 400

function usePolledRun(base: ApiBase) {
  const [run, setRun] = useState<RunState | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      clearTimeout(timer.current)
    }
  }, [])
  const follow = useCallback(
    (state: RunState, onEnd: (state: RunState) => void) => {
      clearTimeout(timer.current)
      setRun(state)
      if (state.status !== 'running') return onEnd(state)
      const poll = async () => {
        try {
          const next = await getRun(base, state.id)
          if (!alive.current) return
          setRun(next)
          if (next.status === 'running') timer.current = setTimeout(poll, pollMs)
          else onEnd(next)
        } catch (error) {
          if (!alive.current) return
          toast.error(error instanceof Error ? error.message : String(error))
          setRun((r) => (r ? { ...r, status: 'failed', error: String(error) } : r))
        }
      }
      timer.current = setTimeout(poll, pollMs)
    },
    [base],
  )
  return { run, setRun, follow }
}

export function DriftPanel(props: DriftPanelProps) {
  const { config } = useConfig()
  const base = apiBase(config)
  const adminRoute = config.routes.admin
  const router = useRouter()
  const { confirm, modal } = useConfirm()
  const pageSize = props.pageSize ?? 25
  const check = usePolledRun(base)
  const bulk = usePolledRun(base)
  const [result, setResult] = useState<ValidateResult | null>(null)
  const [checkedAt, setCheckedAt] = useState<string | null>(null)
  /** The run whose result is shown. */
  const [resultRun, setResultRun] = useState<string | null>(null)
  const [tab, setTab] = useState<Tab>('changed')
  const [pages, setPages] = useState<Record<Tab, number>>({
    changed: 1,
    missing: 1,
    extra: 1,
    failed: 1,
  })
  const [titles, setTitles] = useState<Map<string, string>>(new Map())
  const [states, setStates] = useState<Map<string, DocumentStatus>>(new Map())
  const [open, setOpen] = useState<Set<string>>(new Set())
  const [busy, setBusy] = useState<string | null>(null)
  const canPull = props.rights.pull && props.canPullRows

  /** The run whose result is shown: the same result again (a reload, React's second effect run) keeps the page's state. */
  const shownRun = useRef<string | null>(null)
  const onCheckEnd = useCallback(
    (state: RunState) => {
      if (shownRun.current === state.id) return
      shownRun.current = state.id
      // The header's last check, and the Sync event the check recorded.
      router.refresh()
      if (state.status === 'done' && state.result) {
        const r = state.result as ValidateResult
        setResult(r)
        setResultRun(state.id)
        setCheckedAt(state.endedAt ?? new Date().toISOString())
        setStates(new Map())
        setOpen(new Set())
        setPages({ changed: 1, missing: 1, extra: 1, failed: 1 })
        setTab(
          r.changed.length
            ? 'changed'
            : r.missing.length
              ? 'missing'
              : r.extra.length
                ? 'extra'
                : r.failed.length
                  ? 'failed'
                  : 'changed',
        )
      } else if (state.status === 'failed') toast.error(`Check failed: ${state.error ?? 'unknown'}`)
      else if (state.status === 'cancelled') toast.info('Check cancelled')
    },
    [router],
  )

  // A check this instance ran before the page loaded: its lists, again.
  const { follow: followCheck } = check
  useEffect(() => {
    if (!props.lastRunId) return
    let cancelled = false
    getRun(base, props.lastRunId).then(
      (state) => {
        if (!cancelled) followCheck(state, onCheckEnd)
      },
      () => {},
    )
    return () => {
      cancelled = true
    }
  }, [base, props.lastRunId, followCheck, onCheckEnd])

  const checkNow = useCallback(async () => {
    try {
      followCheck(
        await startRun(base, { op: 'validate', collection: props.collection }),
        onCheckEnd,
      )
    } catch (error) {
      toast.error(error instanceof Error ? error.message : String(error))
    }
  }, [base, props.collection, followCheck, onCheckEnd])

  const cancel = async (run: RunState | null) => {
    if (!run) return
    try {
      await postJson(base, `/supabase-sync/runs/${encodeURIComponent(run.id)}/cancel`, {})
    } catch (error) {
      toast.error(error instanceof Error ? error.message : String(error))
    }
  }

  const lists = useMemo(
    () => ({
      changed: result?.changed.map((c) => c.id) ?? [],
      missing: result?.missing ?? [],
      extra: result?.extra ?? [],
      failed: result?.failed.map((f) => f.id) ?? [],
    }),
    [result],
  )
  const fieldsOf = useMemo(
    () => new Map(result?.changed.map((c) => [c.id, c.fields]) ?? []),
    [result],
  )
  const failureOf = useMemo(() => new Map(result?.failed.map((f) => [f.id, f]) ?? []), [result])
  const page = pageOf(lists[tab], pages[tab], pageSize)
  const pageKey = page.items.join(',')

  // Titles of the page's documents (extra rows have none): one request per page.
  useEffect(() => {
    if (tab === 'extra' || !page.items.length) return
    const missing = page.items.filter((id) => !titles.has(id))
    if (!missing.length) return
    const controller = new AbortController()
    documentTitles(base, props.collection, props.titleField, missing, controller.signal).then(
      (found) =>
        setTitles((prev) => {
          const next = new Map(prev)
          for (const id of missing) next.set(id, found.get(id) ?? id)
          return next
        }),
      () => {},
    )
    return () => controller.abort()
  }, [base, props.collection, props.titleField, tab, pageKey])

  const refresh = useCallback(
    async (ids: string[]) => {
      try {
        const fresh = await documentStates(base, props.collection, ids)
        setStates((prev) => {
          const next = new Map(prev)
          for (const s of fresh) next.set(s.id, s)
          return next
        })
      } catch (error) {
        toast.error(error instanceof Error ? error.message : String(error))
      }
      router.refresh()
    },
    [base, props.collection, router],
  )

  const toggle = (id: string) => {
    const next = new Set(open)
    if (next.has(id)) next.delete(id)
    else {
      next.add(id)
      if (!states.has(id)) void refresh([id])
    }
    setOpen(next)
  }

  const titleOf = (id: string) => titles.get(id) ?? id
  const docUrl = (id: string) =>
    `${adminRoute}/collections/${props.collection}/${encodeURIComponent(id)}`

  const push = (id: string, kind: 'changed' | 'missing') => {
    const fields = states.get(id)?.fields?.map((f) => f.field) ?? fieldsOf.get(id) ?? []
    confirm({
      heading: 'Push to Supabase',
      confirmLabel: 'Push to Supabase',
      body: (
        <p>
          {kind === 'missing'
            ? `Writes the missing row of “${titleOf(id)}” into Supabase's ${props.table} table, from the document in Payload.`
            : `Overwrites the row of “${titleOf(id)}” in Supabase's ${props.table} table with the document in Payload: Supabase's values of ${fields.join(', ') || 'the differing fields'} are replaced.`}{' '}
          Recorded in the Sync events with your name.
        </p>
      ),
      run: async () => {
        setBusy(id)
        try {
          const r = await postJson<SyncResult>(base, '/supabase-sync/sync', {
            collection: props.collection,
            ids: [id],
          })
          const said = describeSyncResult(r)
          if (said.ok) toast.success(`Push to Supabase: ${said.text}`)
          else toast.error(`Push to Supabase: ${said.text}`)
          await refresh([id])
        } finally {
          setBusy(null)
        }
      },
    })
  }

  const pull = (id: string, field?: string) => {
    const status = states.get(id)
    const fields = status?.fields?.map((f) => f.field) ?? fieldsOf.get(id) ?? []
    const readOnly = status?.fields?.filter((f) => f.readOnly).map((f) => f.field) ?? []
    const others = fields.filter((f) => f !== field && !readOnly.includes(f))
    confirm({
      heading: field ? 'Use Supabase value' : 'Pull into Payload',
      confirmLabel: field ? 'Use Supabase value' : 'Pull into Payload',
      body: field ? (
        <p>
          Overwrites <code>{field}</code> of “{titleOf(id)}” in Payload with Supabase&apos;s value
          (saved as you, under the collection&apos;s update access). Payload&apos;s row is then
          delivered back to Supabase
          {others.length
            ? `, so the other differing fields (${others.join(', ')}) get Payload's values there`
            : ''}
          . Recorded in the Sync events.
        </p>
      ) : (
        <p>
          Overwrites the document “{titleOf(id)}” in Payload with Supabase&apos;s values of{' '}
          {fields.filter((f) => !readOnly.includes(f)).join(', ') || 'the differing fields'} (saved
          as you, under the collection&apos;s update access)
          {readOnly.length ? `; read-only columns (${readOnly.join(', ')}) are not pulled` : ''}.
          Skipped when the document changed in Payload since its last delivery. Recorded in the Sync
          events.
        </p>
      ),
      run: async () => {
        setBusy(id)
        try {
          const r = await postJson<PullResult>(base, '/supabase-sync/pull', {
            collection: props.collection,
            ids: [id],
            ...(field ? { fields: [field] } : {}),
          })
          const said = describePullResult(r)
          const title = field ? 'Use Supabase value' : 'Pull into Payload'
          if (said.ok) toast.success(`${title}: ${said.text}`)
          else toast.error(`${title}: ${said.text}`)
          await refresh([id])
        } finally {
          setBusy(null)
        }
      },
    })
  }

  const remove = (id: string) => {
    confirm({
      heading: 'Delete from Supabase',
      confirmLabel: 'Delete from Supabase',
      body: (
        <p>
          Deletes the row <code>{id}</code> from Supabase&apos;s {props.table} table: it has no
          document in Payload that belongs there
          {states.get(id)?.reason ? ` (${states.get(id)!.reason})` : ''}. This cannot be undone
          here. Recorded in the Sync events with your name.
          {props.guard.deleteOrphans
            ? ''
            : ' Note: the plugin option deleteOrphans is off, so the row is kept.'}
        </p>
      ),
      run: async () => {
        setBusy(id)
        try {
          const r = await postJson<SyncResult>(base, '/supabase-sync/sync', {
            collection: props.collection,
            ids: [id],
          })
          const said = describeSyncResult(r)
          if (said.ok && r.deleted) toast.success(`Delete from Supabase: ${said.text}`)
          else toast.error(`Delete from Supabase: ${said.text}`)
          await refresh([id])
        } finally {
          setBusy(null)
        }
      },
    })
  }

  const startBulk = (ids: string[], what: string) => async () => {
    try {
      bulk.follow(
        await startRun(base, { op: 'sync', collection: props.collection, ids }),
        (state) => {
          if (state.status === 'done' && state.result) {
            const said = describeSyncResult(state.result as SyncResult)
            if (said.ok) toast.success(`${what}: ${said.text}`)
            else toast.error(`${what}: ${said.text}`)
          } else if (state.status === 'failed') toast.error(`${what} failed: ${state.error}`)
          else if (state.status === 'cancelled') toast.info(`${what} cancelled`)
          router.refresh()
          // The lists as they are now.
          void checkNow()
        },
      )
    } catch (error) {
      toast.error(error instanceof Error ? error.message : String(error))
    }
  }

  const pushAll = () => {
    const ids = [...lists.missing, ...lists.changed]
    confirm({
      heading: 'Push all',
      confirmLabel: 'Push all',
      body: (
        <p>
          Writes {ids.length.toLocaleString('en-US')} rows ({lists.missing.length} missing,{' '}
          {lists.changed.length} changed) into Supabase&apos;s {props.table} table from the
          documents in Payload, overwriting Supabase&apos;s differing values. It runs in the
          background with progress; a check runs again when it ends. Recorded in the Sync events.
        </p>
      ),
      run: startBulk(ids, 'Push all'),
    })
  }

  const deleteAllExtra = () => {
    const percent = Math.round(props.guard.maxDeleteFraction * 100)
    confirm({
      heading: 'Delete all extra',
      confirmLabel: 'Delete all extra',
      body: (
        <>
          <p>
            Deletes the {lists.extra.length.toLocaleString('en-US')} rows in Supabase&apos;s{' '}
            {props.table} table that have no document in Payload. This cannot be undone here.
            Recorded in the Sync events with your name.
          </p>
          <p>
            <strong>The mass-delete guard</strong>: a deletion of more than {percent}% of the
            table&apos;s rows at once is refused (the plugin option <code>maxDeleteFraction</code>
            ), and then nothing is deleted. It stops an empty or wrong Payload database from
            emptying Supabase. If it refuses, find out why so many rows have no document (a wrong
            database, an unfinished import) before deleting them with{' '}
            <code>npx payload supabase-sync sync --force</code>.
          </p>
          {props.guard.deleteOrphans ? null : (
            <p>
              The plugin option <code>deleteOrphans</code> is off: the rows are kept.
            </p>
          )}
        </>
      ),
      run: startBulk(lists.extra, 'Delete all extra'),
    })
  }

  const running = check.run?.status === 'running'
  const bulkRunning = bulk.run?.status === 'running'
  const summary = result
    ? describeCheck({
        missing: result.missing.length,
        extra: result.extra.length,
        changed: result.changed.length,
        failed: result.failed.length,
      })
    : undefined

  const rowActions = (id: string, kind: Tab) => {
    const status = states.get(id)
    const view = status ? describeState(status) : undefined
    if (view?.key === 'in-sync' || (kind === 'extra' && status?.state === 'not-in-supabase'))
      return null
    const disabled = Boolean(busy) || bulkRunning
    return (
      <div style={styles.row}>
        {kind === 'changed' ? (
          <Button
            buttonStyle="secondary"
            size="small"
            margin={false}
            onClick={() => toggle(id)}
            extraButtonProps={{ 'aria-expanded': open.has(id) }}
          >
            Compare
          </Button>
        ) : null}
        {(kind === 'changed' || kind === 'missing') && props.rights.sync ? (
          <Button size="small" margin={false} disabled={disabled} onClick={() => push(id, kind)}>
            Push to Supabase
          </Button>
        ) : null}
        {kind === 'changed' && canPull ? (
          <Button
            buttonStyle="secondary"
            size="small"
            margin={false}
            disabled={disabled}
            onClick={() => pull(id)}
          >
            Pull into Payload
          </Button>
        ) : null}
        {kind === 'extra' && props.rights.sync ? (
          <Button
            buttonStyle="error"
            size="small"
            margin={false}
            disabled={disabled}
            onClick={() => remove(id)}
          >
            Delete from Supabase
          </Button>
        ) : null}
      </div>
    )
  }

  return (
    <section
      style={styles.section}
      data-collection={props.collection}
      aria-label={`Drift: ${props.label}`}
      className="supabase-sync-drift"
    >
      {modal}
      <div style={styles.sectionHeader}>
        <h3 style={styles.h3}>
          {props.label} <span style={styles.muted}>→ {props.table}</span>
        </h3>
        <span style={styles.spacer} />
        {running ? (
          <Button
            buttonStyle="secondary"
            size="small"
            margin={false}
            onClick={() => cancel(check.run)}
          >
            Cancel check
          </Button>
        ) : null}
        <Button size="small" margin={false} disabled={running || bulkRunning} onClick={checkNow}>
          Check now
        </Button>
      </div>

      {running ? (
        <div role="status" aria-live="polite" className="supabase-sync-progress">
          <div style={styles.progressTrack}>
            <div style={progressFill(progressFraction(check.run?.progress))} />
          </div>
          <span style={styles.muted}>Checking: {describeProgress(check.run?.progress)}</span>
        </div>
      ) : null}
      {bulkRunning ? (
        <div role="status" aria-live="polite" className="supabase-sync-progress">
          <div style={styles.progressTrack}>
            <div style={progressFill(progressFraction(bulk.run?.progress))} />
          </div>
          <span style={styles.muted}>Writing: {describeProgress(bulk.run?.progress)}</span>{' '}
          <button type="button" style={styles.linkButton} onClick={() => cancel(bulk.run)}>
            Cancel
          </button>
        </div>
      ) : null}

      {result ? (
        <p
          className="supabase-sync-check-summary"
          data-in-sync={result.inSync}
          data-run={resultRun ?? undefined}
        >
          <strong style={result.inSync ? styles.good : styles.bad}>
            {result.inSync ? 'In sync' : `Drift: ${summary}`}
          </strong>{' '}
          <span style={styles.muted}>
            — checked {result.scanned.toLocaleString('en-US')} documents and{' '}
            {result.rows.toLocaleString('en-US')} rows in {formatAge(result.ms)}
            {checkedAt ? `, ${formatAge(Date.now() - Date.parse(checkedAt))} ago` : ''}
          </span>
        </p>
      ) : !running ? (
        <p style={styles.muted}>
          {props.lastCheckText
            ? `${props.lastCheckText} Check now to list the rows.`
            : 'Not checked yet: Check now compares every document with its row.'}
        </p>
      ) : null}

      {result && !result.inSync ? (
        <>
          <div style={styles.tabs} role="tablist" aria-label="Differences">
            {(['changed', 'missing', 'extra', 'failed'] as const).map((t) =>
              t === 'failed' && !lists.failed.length ? null : (
                <Button
                  key={t}
                  buttonStyle={tab === t ? 'primary' : 'secondary'}
                  size="small"
                  margin={false}
                  onClick={() => setTab(t)}
                  extraButtonProps={{ role: 'tab', 'aria-selected': tab === t }}
                >
                  {`${tabLabels[t]} (${lists[t].length.toLocaleString('en-US')})`}
                </Button>
              ),
            )}
            <span style={styles.spacer} />
            {props.rights.sync && (lists.missing.length || lists.changed.length) ? (
              <Button
                size="small"
                margin={false}
                disabled={bulkRunning || running || Boolean(busy)}
                onClick={pushAll}
              >
                Push all
              </Button>
            ) : null}
            {props.rights.sync && lists.extra.length ? (
              <Button
                buttonStyle="error"
                size="small"
                margin={false}
                disabled={bulkRunning || running || Boolean(busy)}
                onClick={deleteAllExtra}
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
                      {tab === 'changed'
                        ? 'Differing fields'
                        : tab === 'failed'
                          ? 'Cause'
                          : 'State'}
                    </th>
                    <th style={styles.th}>
                      <span style={styles.srOnly}>Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((id) => {
                    const status = states.get(id)
                    const view = status ? describeState(status) : undefined
                    const failure = failureOf.get(id)
                    return [
                      <tr key={id} data-id={id}>
                        <td style={styles.td}>
                          {tab === 'extra' ? (
                            <code>{id}</code>
                          ) : (
                            <a href={docUrl(id)} style={styles.link}>
                              {titleOf(id)}
                            </a>
                          )}
                        </td>
                        <td style={styles.td}>
                          {view ? (
                            <span style={styles.row}>
                              <Pill size="small" pillStyle={view.pill}>
                                {view.label}
                              </Pill>
                              {view.detail ? <span style={styles.muted}>{view.detail}</span> : null}
                            </span>
                          ) : tab === 'changed' ? (
                            <span>{(fieldsOf.get(id) ?? []).join(', ')}</span>
                          ) : tab === 'failed' ? (
                            <span style={styles.bad}>
                              {failure?.message}
                              {failure?.field ? ` (field ${failure.field})` : ''}
                            </span>
                          ) : tab === 'missing' ? (
                            <span style={styles.muted}>in Payload, not in Supabase</span>
                          ) : (
                            <span style={styles.muted}>in Supabase, no document in Payload</span>
                          )}
                        </td>
                        <td style={styles.td}>{tab === 'failed' ? null : rowActions(id, tab)}</td>
                      </tr>,
                      open.has(id) && tab === 'changed' ? (
                        <tr key={`${id}-compare`} data-compare={id}>
                          <td colSpan={3} style={styles.td}>
                            {status ? (
                              status.state === 'differs' ? (
                                <CompareTable
                                  fields={status.fields}
                                  canPull={canPull}
                                  busyField={busy === id ? id : null}
                                  primaryKey={props.primaryKey}
                                  onUseSupabaseValue={(field) => pull(id, field)}
                                />
                              ) : (
                                <span style={styles.muted}>
                                  Now: {view?.label}
                                  {view?.detail ? ` — ${view.detail}` : ''}
                                </span>
                              )
                            ) : (
                              <span style={styles.muted}>Loading both sides …</span>
                            )}
                          </td>
                        </tr>
                      ) : null,
                    ]
                  })}
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
                limit={pageSize}
                onChange={(p) => setPages({ ...pages, [tab]: p })}
              />
              <span style={styles.muted}>
                {page.from.toLocaleString('en-US')}–{page.to.toLocaleString('en-US')} of{' '}
                {page.total.toLocaleString('en-US')}
              </span>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  )
}
