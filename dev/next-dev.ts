/**
 * `next dev` as a child process of the dev app: started in its own process group (it forks its
 * server, and both must end together), watched until it says it is ready, and never outliving this
 * process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { devDir, repoDir } from './dev-paths.js'

export interface NextDevOptions {
  port: number
  host: string
  /** Added to this process's environment for Next. */
  env: Record<string, string>
  /** Each line Next writes, stdout and stderr. */
  onLine: (line: string) => void
  readyTimeoutMs: number
}

export interface NextDev {
  child: ChildProcess
  /** Resolves with Next's exit code when it exits (on its own or by stop()). */
  exited: Promise<number | null>
  /** Ends Next's whole process group: SIGTERM, SIGKILL after 5 s. Call it once. */
  stop(): Promise<void>
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buffer += chunk
    let i: number
    while ((i = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, i))
      buffer = buffer.slice(i + 1)
    }
  })
  stream.on('end', () => {
    if (buffer) onLine(buffer)
  })
}

/** Starts `next dev` in dev/ and resolves once it is ready; when it is not, its group is killed. */
export async function startNextDev(options: NextDevOptions): Promise<NextDev> {
  const nextBin = path.join(repoDir, 'node_modules', '.bin', 'next')
  // webpack, not Turbopack: the plugin's sources import './x.js' for './x.ts' (NodeNext), which only
  // webpack's resolve.extensionAlias maps (next.config.mjs); Turbopack in Next 16.4 has no such option.
  const child = spawn(
    nextBin,
    ['dev', '--webpack', '--hostname', options.host, '--port', String(options.port)],
    {
      cwd: devDir,
      // Its own process group, so that stop() ends `next dev` and the server it forks together.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  )
  const killGroup = (signal: NodeJS.Signals, evenAfterExit = false) => {
    if (child.pid && (evenAfterExit || (child.exitCode === null && child.signalCode === null))) {
      try {
        process.kill(-child.pid, signal)
      } catch {
        // already gone
      }
    }
  }
  try {
    // Whatever ends this process, Next does not outlive it.
    const onExit = () => killGroup('SIGKILL')
    process.on('exit', onExit)
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )

    let markReady: () => void = () => {}
    const ready = new Promise<void>((resolve) => (markReady = resolve))
    const watch = (line: string) => {
      options.onLine(line)
      if (/\bReady in\b/.test(line)) markReady()
    }
    lines(child.stdout!, watch)
    lines(child.stderr!, watch)

    let readyTimer: NodeJS.Timeout | undefined
    await Promise.race([
      ready,
      exited.then((code) =>
        Promise.reject(new Error(`next dev exited with code ${code} before it was ready`)),
      ),
      new Promise((_, reject) => {
        readyTimer = setTimeout(
          () => reject(new Error('next dev was not ready in time')),
          options.readyTimeoutMs,
        )
      }),
    ]).finally(() => clearTimeout(readyTimer))

    return {
      child,
      exited,
      async stop() {
        killGroup('SIGTERM')
        const timer = setTimeout(() => killGroup('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
        // The forked server may still be finishing: make sure the group is gone.
        killGroup('SIGKILL', true)
        process.off('exit', onExit)
      },
    }
  } catch (error) {
    killGroup('SIGKILL', true)
    throw error
  }
}
