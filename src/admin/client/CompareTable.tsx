'use client'
/**
 * The side-by-side table of a changed row — Field, Payload, Supabase — one line per differing column
 * (a key of an object column such as `api_config` on its own line), JSON pretty-printed, long values
 * folded. Per line **Use Supabase value** (for users with `pull`), or why the column cannot be pulled.
 */
import { Button } from '@payloadcms/ui'
import { useState } from 'react'
import type { FieldDifference } from '../../ops/compare.js'
import { compareLines, type ShownValue } from '../present/sideBySide.js'
import { styles } from '../styles.js'

function Value({ value, side }: { value: ShownValue; side: 'payload' | 'supabase' }) {
  const [open, setOpen] = useState(false)
  const lines = value.text.split('\n').length
  return (
    <div data-side={side}>
      <pre
        style={
          value.kind === 'absent' || value.kind === 'hidden'
            ? { ...styles.pre, ...styles.muted }
            : styles.pre
        }
      >
        {open || !value.folded ? value.text : value.preview}
      </pre>
      {value.folded ? (
        <button type="button" style={styles.linkButton} onClick={() => setOpen(!open)}>
          {open ? 'Fold' : `Show all (${lines} lines, ${value.text.length} characters)`}
        </button>
      ) : null}
    </div>
  )
}

export interface CompareTableProps {
  fields: readonly FieldDifference[] | undefined
  /** Show **Use Supabase value** (the user has `pull` and the mapper can map rows back). */
  canPull: boolean
  onUseSupabaseValue?: (field: string) => void
  /** The field being pulled right now (its button is disabled). */
  busyField?: string | null
  primaryKey?: string
}

export function CompareTable(props: CompareTableProps) {
  const lines = compareLines(props.fields, { primaryKey: props.primaryKey })
  if (!lines.length) return <p style={styles.muted}>No differing fields.</p>
  return (
    <div className="table supabase-sync-compare" style={styles.tableWrap}>
      <table style={styles.table}>
        <thead>
          <tr>
            <th style={styles.th}>Field</th>
            <th style={styles.th}>Payload</th>
            <th style={styles.th}>Supabase</th>
            <th style={styles.th}>
              <span style={styles.srOnly}>Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.field} data-field={line.field}>
              <td style={styles.td}>
                <code>{line.label}</code>
              </td>
              <td style={styles.tdValue}>
                <Value value={line.payload} side="payload" />
              </td>
              <td style={styles.tdValue}>
                <Value value={line.supabase} side="supabase" />
              </td>
              <td style={styles.td}>
                {line.readOnly ? (
                  <span style={styles.muted} data-read-only="true">
                    {line.readOnlyReason}
                  </span>
                ) : props.canPull && props.onUseSupabaseValue && line.pullable ? (
                  <Button
                    buttonStyle="secondary"
                    size="small"
                    margin={false}
                    disabled={Boolean(props.busyField)}
                    onClick={() => props.onUseSupabaseValue?.(line.field)}
                  >
                    Use Supabase value
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
