'use client'
/**
 * Follows a background run (`POST …/runs` started it): polls `GET …/runs/:id` until it ends, keeping
 * its state (with progress) for the screen, then calls `onEnd` once. One poll at a time; stops when
 * the component unmounts.
 *
 * A failed poll is not the run's failure (the run goes on on the server): transient failures are
 * polled again, and when that cannot help the hook says it lost track of the run (`lost`), never that
 * the run failed (present/pollFailure.ts decides which). Each `follow` is a generation of its own:
 * following another run (AutoRefresh re-renders with a new `lastRunId`) aborts the request in flight
 * and drops any answer of an older generation, so an older response never overwrites a newer state.
 */
import { toast } from '@payloadcms/ui'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunState } from '../../ops/runs.js'
import { afterPollError } from '../present/pollFailure.js'
import { ApiError, getRun, type ApiBase } from './api.js'

const pollMs = 400

export interface PolledRun {
  run: RunState | null
  /** The run is running and followed (not when the following was lost). */
  running: boolean
  /** Why the run is no longer followed, while it may still be running; null while followed or ended. */
  lost: string | null
  follow: (state: RunState, onEnd: (state: RunState) => void) => void
}

interface Following {
  generation: number
  timer?: ReturnType<typeof setTimeout>
  request?: AbortController
}

export function usePolledRun(base: ApiBase): PolledRun {
  const [run, setRun] = useState<RunState | null>(null)
  const [lost, setLost] = useState<string | null>(null)
  const following = useRef<Following>({ generation: 0 })

  /** Ends the current generation: its timer, its request in flight, any answer still to come. */
  const stop = useCallback(() => {
    const current = following.current
    current.generation++
    clearTimeout(current.timer)
    current.request?.abort()
    current.request = undefined
    return current.generation
  }, [])
  useEffect(
    () => () => {
      stop()
    },
    [stop],
  )

  const follow = useCallback(
    (state: RunState, onEnd: (state: RunState) => void) => {
      const generation = stop()
      const current = following.current
      const mine = () => current.generation === generation
      setRun(state)
      setLost(null)
      if (state.status !== 'running') return onEnd(state)
      let failures = 0
      const poll = async () => {
        const request = new AbortController()
        current.request = request
        try {
          const next = await getRun(base, state.id, request.signal)
          if (!mine()) return
          failures = 0
          setRun(next)
          if (next.status === 'running') current.timer = setTimeout(poll, pollMs)
          else onEnd(next)
        } catch (error) {
          if (!mine()) return
          const step = afterPollError(
            error instanceof ApiError
              ? error
              : { status: 0, message: error instanceof Error ? error.message : String(error) },
            ++failures,
            pollMs,
          )
          if (step.action === 'retry') current.timer = setTimeout(poll, step.delayMs)
          else {
            setLost(step.message)
            toast.error(step.message)
          }
        }
      }
      current.timer = setTimeout(poll, pollMs)
    },
    [base, stop],
  )
  return { run, running: run?.status === 'running' && lost === null, lost, follow }
}
