/**
 * One request's way through the stand-in: the gateway's URL limit, the whole body, then the faults
 * in the order a test relies on (hold, latency, reset, failure), the stats, the handler, and the
 * answer, unless the client or the server went away meanwhile.
 */
import type http from 'node:http'
import { preflightResponse } from './cors.js'
import { ApiError } from './errors.js'
import type { FaultState } from './faults.js'
import { uriTooLong } from './gateway.js'
import {
  errorResponse,
  handleRequest,
  resourceKey,
  routeOf,
  type HandlerContext,
} from './handler.js'
import type { HoldGroup } from './hold.js'
import { readBody, send } from './http-io.js'
import type { Listener } from './listener.js'
import { parsePrefer } from './media.js'
import type { StatsCounter } from './stats.js'

export interface PipelineDeps {
  ctx: HandlerContext
  faults: FaultState
  stats: StatsCounter
  listener: Listener
  maxUrlLength: number
}

/** The client gave up (a timeout, an abort) or the server went down: nobody waits for an answer. */
function clientGone(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  return req.socket.destroyed || !req.socket.writable || res.destroyed
}

/** Parks a request in a hold; false when its client disconnected and the hold drops such requests. */
async function park(group: HoldGroup, req: http.IncomingMessage): Promise<boolean> {
  let drop: (() => void) | undefined
  const onClose = (): void => drop?.()
  req.socket.once('close', onClose)
  try {
    return await group.park((d) => {
      drop = d
      if (req.socket.destroyed) d()
    })
  } finally {
    req.socket.off('close', onClose)
  }
}

async function serve(
  deps: PipelineDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const { ctx, faults, stats, listener, maxUrlLength } = deps
  // Faults set after a clear() that comes while this request is in flight do not apply to it.
  const admission = faults.admit()
  const epoch = stats.epoch()
  const life = listener.downs
  if ((req.url ?? '').length > maxUrlLength) {
    // The gateway answers before PostgREST sees the request: nothing is served, or counted.
    req.resume()
    send(req, res, uriTooLong)
    return
  }
  const url = new URL(req.url ?? '/', 'http://localhost')
  const method = (req.method ?? 'GET').toUpperCase()
  const resource = routeOf(url.pathname)
  const key = resourceKey(resource, url.pathname)
  let body: Buffer
  try {
    // Read the whole body first, so a fault never answers while the client is still uploading.
    body = await readBody(req)
  } catch {
    return // the client went away
  }
  // A hold comes first, so that `arrived` tells a test the request is in, whatever the latency.
  const hold = faults.takeHold(admission, key, method)
  if (hold && !hold.afterHandling && !(await park(hold, req))) return
  await faults.wait()
  // A client that gave up while held or during the latency (a timeout) is served all the same:
  // PostgREST never cancels a request it has received when its client disconnects (issues 699,
  // 3517; reproduced in 2352: the insert of a cancelled rpc call commits). Its write lands late,
  // the answer goes nowhere. The stats count it in the epoch it arrived in, not the next test's.
  // Only down() (PostgREST itself stopped: nothing listens) takes the requests it had along.
  if (listener.downs !== life) return
  const reset = faults.takeReset(admission, key)
  if (reset && !reset.afterHandling) {
    stats.faulted(epoch)
    req.socket.destroy()
    return
  }
  const failure = faults.takeFailure(admission, key)
  if (failure) {
    stats.faulted(epoch)
    send(req, res, failure instanceof ApiError ? errorResponse(failure) : failure)
    return
  }
  if (method === 'OPTIONS') {
    // CORS preflight, as PostgREST answers it.
    send(req, res, preflightResponse(req))
    return
  }
  stats.served(epoch, method, key, parsePrefer(req.headers.prefer).count !== undefined)
  const response = await handleRequest(ctx, { method, url, headers: req.headers, body, resource })
  if (hold && !hold.afterHandling) hold.markHandled()
  if (hold?.afterHandling && !(await park(hold, req))) return
  if (reset?.afterHandling) {
    stats.faulted(epoch)
    req.socket.destroy()
    return
  }
  if (clientGone(req, res)) return
  send(req, res, response)
}

/** The server's 'request' listener. */
export function requestListener(
  deps: PipelineDeps,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    // The answer to a client that has gone (a late write, served all the same) goes nowhere: a write
    // to its closed socket must not take the server down.
    res.on('error', () => {})
    void serve(deps, req, res).catch((error: unknown) => {
      // serve() answers every error itself; this is the last guard against an unhandled rejection.
      if (!res.headersSent)
        send(req, res, errorResponse(new ApiError(500, 'PGRSTX00', String(error))))
    })
  }
}
