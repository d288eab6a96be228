'use client'
/** A running background run's progress: a bar and one line, announced politely; optionally Cancel. */
import type { RunState } from '../../ops/runs.js'
import { describeProgress, progressFraction } from '../present/describeRun.js'
import { progressFill, styles } from '../styles.js'

export function RunProgress(props: { run: RunState | null; label: string; onCancel?: () => void }) {
  return (
    <div role="status" aria-live="polite" className="supabase-sync-progress">
      <div style={styles.progressTrack}>
        <div style={progressFill(progressFraction(props.run?.progress))} />
      </div>
      <span style={styles.muted}>
        {props.label}: {describeProgress(props.run?.progress)}
      </span>{' '}
      {props.onCancel ? (
        <button type="button" style={styles.linkButton} onClick={props.onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  )
}
