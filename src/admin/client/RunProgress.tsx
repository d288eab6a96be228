'use client'
/**
 * A running background run's progress: a bar and one line, announced politely; optionally Cancel.
 * Once a cancel is asked for, the line and the button say so until the run has stopped (it stops
 * after its current page): a click that seemed to do nothing was clicked again, or taken for broken.
 */
import type { RunState } from '../../ops/runs.js'
import { describeProgress, progressFraction } from '../present/describeRun.js'
import { progressFill, styles } from '../styles.js'

export function RunProgress(props: {
  run: RunState | null
  label: string
  onCancel?: () => void
  /** A cancel was asked for (usePolledRun's `cancelling`). */
  cancelling?: boolean
}) {
  const cancelling = props.cancelling === true || props.run?.cancelling === true
  return (
    <div
      role="status"
      aria-live="polite"
      className="supabase-sync-progress"
      data-cancelling={cancelling || undefined}
    >
      <div style={styles.progressTrack}>
        <div style={progressFill(progressFraction(props.run?.progress))} />
      </div>
      <span style={styles.muted}>
        {props.label}
        {cancelling ? ' — cancelling, stops after the current page' : ''}:{' '}
        {describeProgress(props.run?.progress)}
      </span>{' '}
      {props.onCancel ? (
        <button
          type="button"
          style={styles.linkButton}
          onClick={props.onCancel}
          disabled={cancelling}
          aria-disabled={cancelling}
        >
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      ) : null}
    </div>
  )
}
