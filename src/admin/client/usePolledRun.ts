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
 *
 * `cancel` asks the server to stop the run (it stops after its current page, which on a large table
 * or a slow Supabase takes a while): `cancelling` is true from the click on — and from the polled
 * state's `cancelling` after a reload — so the screen says so instead of looking as if nothing happened.
 */
import { toast } from '@payloadcms/ui'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunState } from '../../ops/runs.js'
import { afterPollError } from '../present/pollFailure.js'
import { ApiError, cancelRun, getRun, type ApiBase } from './api.js'

const pollMs = 400

export interface PolledRun {
  run: RunState | null
  /** The run is running and followed (not when the following was lost). */
  running: boolean
  /** Why the run is no longer followed, while it may still be running; null while followed or ended. */
  lost: string | null
  follow: (state: RunState, onEnd: (state: RunState) => void) => void
  /** A cancel of the running run was asked for (here, or by anyone: the server's state says so). */
  cancelling: boolean
  /** Asks the server to stop the run after its current page; a refusal is a toast. */
  cancel: () => void
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
  /** The run whose cancel this page asked for (the server says so only from its next poll). */
  const [asked, setAsked] = useState<string | null>(null)

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
  const cancel = useCallback(() => {
    const id = run?.status === 'running' ? run.id : undefined
    if (!id) return
    setAsked(id)
    // The answer comes once the run has stopped; the polls show it meanwhile.
    cancelRun(base, id).catch((error: unknown) => {
      setAsked((was) => (was === id ? null : was))
      toast.error(error instanceof Error ? error.message : String(error))
    })
  }, [base, run])

  const running = run?.status === 'running' && lost === null
  const cancelling = running && (run?.cancelling === true || asked === run?.id)
  return { run, running, lost, follow, cancelling, cancel }
}
