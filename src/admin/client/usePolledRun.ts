'use client'
/**
 * Follows a background run (`POST …/runs` started it): polls `GET …/runs/:id` until it ends, keeping
 * its state (with progress) for the screen, then calls `onEnd` once. One poll at a time; stops when
 * the component unmounts.
 */
import { toast } from '@payloadcms/ui'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunState } from '../../ops/runs.js'
import { getRun, type ApiBase } from './api.js'

const pollMs = 400

export interface PolledRun {
  run: RunState | null
  running: boolean
  follow: (state: RunState, onEnd: (state: RunState) => void) => void
}

export function usePolledRun(base: ApiBase): PolledRun {
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
  return { run, running: run?.status === 'running', follow }
}
