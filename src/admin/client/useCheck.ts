'use client'
/**
 * **Check now** of one collection: starts a validate as a background run, follows its progress, and
 * keeps the result of the last run that ended (also one this app instance ran before the page
 * loaded, `lastRunId`). The server components re-render when it ends (the header's last check).
 */
import { toast } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunState } from '../../ops/runs.js'
import type { ValidateResult } from '../../ops/validate.js'
import { getRun, startRun, type ApiBase } from './api.js'
import { usePolledRun } from './usePolledRun.js'

export interface ShownCheck {
  /** The run whose result this is. */
  runId: string
  result: ValidateResult
  endedAt: string
}

export function useCheck(base: ApiBase, collection: string, lastRunId?: string) {
  const router = useRouter()
  const { run, running, lost, follow, cancelling, cancel } = usePolledRun(base)
  const [shown, setShown] = useState<ShownCheck | null>(null)
  /** The same run again (a reload, React's second effect run) keeps the page's state. */
  const shownRun = useRef<string | null>(null)

  const onEnd = useCallback(
    (state: RunState, seenRunning: boolean) => {
      if (shownRun.current === state.id) return
      shownRun.current = state.id
      // A run that ended while this page followed it: the header's last check changed. (One that had
      // ended before the page loaded is in the page already: no second render of the server's part.)
      if (seenRunning) router.refresh()
      if (state.status === 'done' && state.result)
        setShown({
          runId: state.id,
          result: state.result as ValidateResult,
          endedAt: state.endedAt ?? new Date().toISOString(),
        })
      else if (state.status === 'failed') toast.error(`Check failed: ${state.error ?? 'unknown'}`)
      else if (state.status === 'cancelled') toast.info('Check cancelled')
    },
    [router],
  )

  useEffect(() => {
    if (!lastRunId) return
    let cancelled = false
    getRun(base, lastRunId).then(
      (state) => {
        if (!cancelled) follow(state, (end) => onEnd(end, state.status === 'running'))
      },
      () => {},
    )
    return () => {
      cancelled = true
    }
  }, [base, lastRunId, follow, onEnd])

  /**
   * From the click until `POST …/runs` answers there is no run to follow yet, so `running` is false:
   * the button is disabled meanwhile (`starting`), and the ref refuses a second click that lands
   * before React re-renders (a double click would otherwise start two runs).
   */
  const [starting, setStarting] = useState(false)
  const startingRef = useRef(false)
  const checkNow = useCallback(async () => {
    if (startingRef.current) return
    startingRef.current = true
    setStarting(true)
    try {
      follow(await startRun(base, { op: 'validate', collection }), (end) => onEnd(end, true))
    } catch (error) {
      toast.error(error instanceof Error ? error.message : String(error))
    } finally {
      startingRef.current = false
      setStarting(false)
    }
  }, [base, collection, follow, onEnd])

  return { run, running, starting, lost, shown, checkNow, cancelling, cancel }
}
