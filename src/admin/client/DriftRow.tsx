'use client'
/**
 * One row of a drift list: the document (or an extra row's key), what differs or why, its actions —
 * and for a changed row, once opened with **Compare**, the side-by-side table below it.
 */
import { Button, Pill } from '@payloadcms/ui'
import type { DocumentStatus } from '../../ops/compare.js'
import type { ValidateResult } from '../../ops/validate.js'
import { describeState } from '../present/documentState.js'
import type { DriftTab } from '../present/driftLists.js'
import { styles } from '../styles.js'
import { CompareTable } from './CompareTable.js'
import type { useRowActions } from './useRowActions.js'

export interface DriftRowProps {
  id: string
  tab: DriftTab
  title: string
  href: string
  /** The row's state as last read, if it was. */
  status?: DocumentStatus
  /** What the check found: the differing fields (changed), the cause (unmappable). */
  checkedFields: string[]
  failure?: ValidateResult['failed'][number]
  open: boolean
  /** This row's action is under way. */
  busy: boolean
  /** Another action (this row's, another row's, a bulk run) is under way. */
  disabled: boolean
  canSync: boolean
  canPull: boolean
  primaryKey?: string
  actions: ReturnType<typeof useRowActions>
  onToggle: () => void
}

function Actions(props: DriftRowProps) {
  const { id, tab, status, actions, disabled } = props
  if (tab === 'failed') return null
  if (status?.state === 'in-sync' || (tab === 'extra' && status?.state === 'not-in-supabase'))
    return null
  const small = { size: 'small', margin: false } as const
  return (
    <div style={styles.row}>
      {tab === 'changed' ? (
        <Button
          {...small}
          buttonStyle="secondary"
          onClick={props.onToggle}
          extraButtonProps={{ 'aria-expanded': props.open }}
        >
          Compare
        </Button>
      ) : null}
      {(tab === 'changed' || tab === 'missing') && props.canSync ? (
        <Button {...small} disabled={disabled} onClick={() => actions.push(id, tab)}>
          Push to Supabase
        </Button>
      ) : null}
      {tab === 'changed' && props.canPull ? (
        <Button
          {...small}
          buttonStyle="secondary"
          disabled={disabled}
          onClick={() => actions.pull(id)}
        >
          Pull into Payload
        </Button>
      ) : null}
      {tab === 'extra' && props.canSync ? (
        <Button
          {...small}
          buttonStyle="error"
          disabled={disabled}
          onClick={() => actions.remove(id)}
        >
          Delete from Supabase
        </Button>
      ) : null}
    </div>
  )
}

function What({
  tab,
  view,
  checkedFields,
  failure,
}: DriftRowProps & { view?: ReturnType<typeof describeState> }) {
  if (view)
    return (
      <span style={styles.row}>
        <Pill size="small" pillStyle={view.pill}>
          {view.label}
        </Pill>
        {view.detail ? <span style={styles.muted}>{view.detail}</span> : null}
      </span>
    )
  if (tab === 'changed') return <span>{checkedFields.join(', ')}</span>
  if (tab === 'failed')
    return (
      <span style={styles.bad}>
        {failure?.message}
        {failure?.field ? ` (field ${failure.field})` : ''}
      </span>
    )
  return (
    <span style={styles.muted}>
      {tab === 'missing' ? 'in Payload, not in Supabase' : 'in Supabase, no document in Payload'}
    </span>
  )
}

function Comparison(props: DriftRowProps & { view?: ReturnType<typeof describeState> }) {
  const { status, view } = props
  if (!status) return <span style={styles.muted}>Loading both sides …</span>
  if (status.state !== 'differs')
    return (
      <span style={styles.muted}>
        Now: {view?.label}
        {view?.detail ? ` — ${view.detail}` : ''}
      </span>
    )
  return (
    <CompareTable
      fields={status.fields}
      canPull={props.canPull}
      busyField={props.busy ? props.id : null}
      primaryKey={props.primaryKey}
      onUseSupabaseValue={(field) => props.actions.pull(props.id, field)}
    />
  )
}

export function DriftRow(props: DriftRowProps) {
  const view = props.status ? describeState(props.status) : undefined
  return (
    <>
      <tr data-id={props.id}>
        <td style={styles.td}>
          {props.tab === 'extra' ? (
            <code>{props.id}</code>
          ) : (
            <a href={props.href} style={styles.link}>
              {props.title}
            </a>
          )}
        </td>
        <td style={styles.td}>
          <What {...props} view={view} />
        </td>
        <td style={styles.td}>
          <Actions {...props} />
        </td>
      </tr>
      {props.open && props.tab === 'changed' ? (
        <tr data-compare={props.id}>
          <td colSpan={3} style={styles.td}>
            <Comparison {...props} view={view} />
          </td>
        </tr>
      ) : null}
    </>
  )
}
