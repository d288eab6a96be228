'use client'
/*
 * Loads the admin's code editor (Monaco, for the JSON fields) in the background as soon as any admin
 * page is idle, so that an edit view with JSON fields shows its editors at once instead of after a chain
 * of requests. Payload's editor (@monaco-editor/loader, bundled in @payloadcms/ui) takes the instance
 * from `window.monaco` when it is there; if it starts first, both share the one AMD loader (loader.js
 * does not replace itself when it runs twice). The files come from this dev app (/monaco/vs: see
 * dev/monaco-local.cjs and app/monaco/vs/[...path]/route.ts), never from a CDN.
 */
import { useEffect } from 'react'

const vs = '/monaco/vs'

type AmdRequire = ((
  deps: string[],
  onLoad?: () => void,
  onError?: (error: unknown) => void,
) => void) & {
  config(options: { paths: Record<string, string> }): void
}

export function MonacoPreload(): null {
  useEffect(() => {
    const w = window as unknown as {
      monaco?: { editor?: unknown }
      require?: AmdRequire
      requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => number
      cancelIdleCallback?: (handle: number) => void
    }
    if (w.monaco?.editor || document.querySelector(`script[src$="${vs}/loader.js"]`)) return
    const load = () => {
      if (w.monaco?.editor || document.querySelector(`script[src$="${vs}/loader.js"]`)) return
      const script = document.createElement('script')
      script.src = `${vs}/loader.js`
      script.dataset.monacoPreload = 'true'
      script.onload = () => {
        const amdRequire = w.require
        if (typeof amdRequire?.config !== 'function') return
        amdRequire.config({ paths: { vs } })
        // Sets globalThis.monaco; failures are left to Payload's editor, which reports them where it renders.
        amdRequire(['vs/editor/editor.main'], undefined, () => {})
      }
      document.body.appendChild(script)
    }
    if (w.requestIdleCallback) {
      const handle = w.requestIdleCallback(load, { timeout: 2_000 })
      return () => w.cancelIdleCallback?.(handle)
    }
    const timer = window.setTimeout(load, 0)
    return () => window.clearTimeout(timer)
  }, [])
  return null
}
