'use client'
/**
 * The console's drift section for one synced collection. **Check now** starts a validate as a
 * background run and follows its progress (`useCheck`), so a large table never blocks the page; the
 * result's lists (`DriftList`) show missing, extra, changed and unmappable rows a page at a time, a
 * changed row's side-by-side table, and the actions — each behind the matching right, each confirmed in
 * a modal, each recorded in the Sync events by the endpoint (`useRowActions`, `useBulkActions`).
 */
import { Button, useConfig } from '@payloadcms/ui'
import { useMemo } from 'react'
import { formatAge } from '../health.js'
import { describeCheck } from '../present/describeRun.js'
import { driftListsOf } from '../present/driftLists.js'
import { styles } from '../styles.js'
import { apiBase } from './api.js'
import { DriftList } from './DriftList.js'
import { RunProgress } from './RunProgress.js'
import { useBulkActions } from './useBulkActions.js'
import { useCheck } from './useCheck.js'
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

const count = (n: number) => n.toLocaleString('en-US')

export function DriftPanel(props: DriftPanelProps) {
  const { config } = useConfig()
  const base = apiBase(config)
  const { confirm, modal } = useConfirm()
  const check = useCheck(base, props.collection, props.lastRunId)
  const result = check.shown?.result ?? null
  const lists = useMemo(() => driftListsOf(result), [result])
  const bulk = useBulkActions({
    base,
    collection: props.collection,
    table: props.table,
    guard: props.guard,
    lists,
    confirm,
    checkNow: check.checkNow,
  })

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
        {check.running ? (
          <Button
            buttonStyle="secondary"
            size="small"
            margin={false}
            disabled={check.cancelling}
            onClick={check.cancel}
          >
            {check.cancelling ? 'Cancelling…' : 'Cancel check'}
          </Button>
        ) : null}
        <Button
          size="small"
          margin={false}
          disabled={check.running || check.starting || bulk.running}
          onClick={check.checkNow}
        >
          Check now
        </Button>
      </div>

      {check.running ? (
        <RunProgress run={check.run} label="Checking" cancelling={check.cancelling} />
      ) : null}
      {check.lost ? (
        <p role="status" className="supabase-sync-check-lost" style={styles.bad}>
          {check.lost}
        </p>
      ) : null}
      {bulk.running ? (
        <RunProgress
          run={bulk.run}
          label={bulk.label}
          onCancel={bulk.cancel}
          cancelling={bulk.cancelling}
        />
      ) : null}

      {check.shown && result ? (
        <p
          className="supabase-sync-check-summary"
          data-in-sync={result.inSync}
          data-run={check.shown.runId}
        >
          <strong style={result.inSync ? styles.good : styles.bad}>
            {result.inSync
              ? 'In sync'
              : `Drift: ${describeCheck({
                  missing: lists.missing.length,
                  extra: lists.extra.length,
                  changed: lists.changed.length,
                  failed: lists.failed.length,
                })}`}
          </strong>{' '}
          <span style={styles.muted}>
            — checked {count(result.scanned)} documents and {count(result.rows)} rows in{' '}
            {formatAge(result.ms)}, {formatAge(Date.now() - Date.parse(check.shown.endedAt))} ago
          </span>
        </p>
      ) : !check.running ? (
        <p style={styles.muted}>
          {props.lastCheckText
            ? `${props.lastCheckText} Check now to list the rows.`
            : 'Not checked yet: Check now compares every document with its row.'}
        </p>
      ) : null}

      {check.shown && result && !result.inSync ? (
        <DriftList
          key={check.shown.runId}
          base={base}
          adminRoute={config.routes.admin}
          collection={props.collection}
          table={props.table}
          titleField={props.titleField}
          primaryKey={props.primaryKey}
          canSync={props.rights.sync}
          canPull={props.rights.pull && props.canPullRows}
          deleteOrphans={props.guard.deleteOrphans}
          result={result}
          lists={lists}
          bulk={bulk}
          checking={check.running}
          confirm={confirm}
          pageSize={props.pageSize ?? 25}
        />
      ) : null}
    </section>
  )
}
